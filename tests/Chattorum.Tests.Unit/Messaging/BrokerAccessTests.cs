using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chattorum.Messaging;

namespace Chattorum.Tests.Unit.Messaging;

/// <summary>What each broker user may touch, read the way RabbitMQ reads the rights: a regular expression over the whole name.</summary>
public sealed class BrokerAccessTests
{
    public enum Right
    {
        Configure,
        Write,
        Read,
    }

    public static TheoryData<string, Right, string, bool> Cases => new()
    {
        // Chat nodes: declare and use the shared topology, publish commands, consume replies.
        { "chat", Right.Configure, "chattorum.commands", true },
        { "chat", Right.Write, "chattorum.commands", true },
        { "chat", Right.Read, "chattorum.replies", true },
        { "chat", Right.Configure, "chattorum.replies", true },
        // ...but never take a bot's requests, nor publish through the default exchange.
        { "chat", Right.Read, "chattorum.bot.stock", false },
        { "chat", Right.Configure, "chattorum.bot.stock", false },
        { "chat", Right.Write, "amq.default", false },
        // The stock bot: its own queue and its own sub-queues (a delay queue), the exchanges it binds to.
        { "stock", Right.Configure, "chattorum.bot.stock", true },
        { "stock", Right.Read, "chattorum.bot.stock", true },
        { "stock", Right.Configure, "chattorum.bot.stock.wait", true },
        { "stock", Right.Read, "chattorum.bot.stock.wait", true },
        { "stock", Right.Read, "chattorum.commands", true },
        { "stock", Right.Write, "amq.default", true },
        { "stock", Right.Configure, "chattorum.dead-letter", true },
        // ...not another bot's queue, not one that merely starts like its own, not the replies, not the commands.
        { "stock", Right.Read, "chattorum.bot.weather", false },
        { "stock", Right.Read, "chattorum.bot.stocks", false },
        { "stock", Right.Configure, "chattorum.bot.stockx.wait", false },
        { "stock", Right.Read, "chattorum.replies", false },
        { "stock", Right.Configure, "chattorum.replies", false },
        { "stock", Right.Write, "chattorum.commands", false },
        { "stock", Right.Read, "xchattorum.bot.stock", false },
        // A bot name is escaped: a dot in it cannot widen the rights.
        { "a.b", Right.Read, "chattorum.bot.a.b", true },
        { "a.b", Right.Read, "chattorum.bot.aXb", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_user_may_touch_only_its_own_names(string who, Right right, string name, bool allowed)
    {
        var permissions = who == "chat" ? BrokerAccess.ChatNodes : BrokerAccess.Bot(who);
        var pattern = right switch
        {
            Right.Configure => permissions.Configure,
            Right.Write => permissions.Write,
            _ => permissions.Read,
        };

        Assert.Equal(allowed, Regex.IsMatch(name, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_bot_user_is_named_after_its_command() => Assert.Equal("stockbot", BrokerAccess.BotUser("stock"));

    [Fact]
    public void Passwords_are_stored_as_RabbitMQs_salted_sha256()
    {
        var stored = Convert.FromBase64String(BrokerDefinitions.HashPassword("s3cret pässword"));

        Assert.Equal(4 + 32, stored.Length);
        var salt = stored.AsSpan(0, 4).ToArray();
        var expected = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes("s3cret pässword")]);
        Assert.Equal(expected, stored.AsSpan(4).ToArray());
        Assert.NotEqual(BrokerDefinitions.HashPassword("same"), BrokerDefinitions.HashPassword("same"));
    }

    [Fact]
    public void The_definitions_hold_users_rights_and_the_redelivery_policy_but_no_password()
    {
        var text = BrokerDefinitions.Create([new BrokerUser("stockbot", "clear-text-password", BrokerAccess.Bot("stock"))]);

        Assert.DoesNotContain("clear-text-password", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        var user = Assert.Single(json.RootElement.GetProperty("users").EnumerateArray());
        Assert.Equal("stockbot", user.GetProperty("name").GetString());
        Assert.Equal(BrokerDefinitions.HashingAlgorithm, user.GetProperty("hashing_algorithm").GetString());
        var permission = Assert.Single(json.RootElement.GetProperty("permissions").EnumerateArray());
        Assert.Equal(BrokerAccess.Bot("stock").Read, permission.GetProperty("read").GetString());
        var policy = Assert.Single(json.RootElement.GetProperty("policies").EnumerateArray());
        Assert.Equal(BrokerDefinitions.RedeliveryLimit, policy.GetProperty("definition").GetProperty("delivery-limit").GetInt32());
        Assert.Matches(policy.GetProperty("pattern").GetString()!, CommandTopology.RepliesQueue);
    }
}
