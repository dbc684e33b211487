using System.Text;
using Chattorum.ChatApi.Commands;
using Chattorum.Messaging;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>
/// Bots are trusted by their broker credentials: each connects as its own user with rights on its own queues only, and
/// the chat posts a reply only under the bot name its broker-validated <c>user-id</c> names.
/// </summary>
public class BotIdentityTests(CommandsFixture system) : IClassFixture<CommandsFixture>
{
    private const ushort AccessRefused = 403;
    private const ushort PreconditionFailed = 406;
    private static readonly string StockUser = BrokerAccess.BotUser("stock");

    private static CreateChannelOptions Confirmed { get; } = new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private static Task PublishReplyAsync(IChannel channel, CommandReply reply, string? userId, byte[]? body = null)
    {
        var properties = MessageHeaders.ForReply(reply, userId ?? string.Empty, null);
        properties.UserId = userId;
        return channel.BasicPublishAsync(string.Empty, CommandTopology.RepliesQueue, mandatory: true, properties, body ?? CommandMessages.Serialize(reply)).AsTask();
    }

    private async Task<IChannel> EmptyDeadLetterQueueAsync(IConnection admin)
    {
        var channel = await admin.CreateChannelAsync(Confirmed);
        await channel.QueuePurgeAsync(CommandTopology.DeadLetterQueue);
        return channel;
    }

    private static async Task<List<string>> RefusalsAsync(IChannel admin, int count)
    {
        await Eventually.EqualAsync((uint)count, async () => (await admin.QueueDeclarePassiveAsync(CommandTopology.DeadLetterQueue)).MessageCount);
        var reasons = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var dead = await admin.BasicGetAsync(CommandTopology.DeadLetterQueue, autoAck: true);
            reasons.Add(MessageHeaders.GetString(dead!.BasicProperties, ReplyConsumer.RefusedHeader) ?? "(no reason)");
        }

        return reasons;
    }

    [Fact]
    public async Task Replies_the_broker_does_not_vouch_for_are_dead_lettered_never_posted()
    {
        await using var admin = await system.ConnectToBrokerAsync();
        await using var adminChannel = await EmptyDeadLetterQueueAsync(admin);
        await using var bot = await system.ConnectToBrokerAsync(StockUser);
        await using var channel = await bot.CreateChannelAsync(Confirmed);
        await using var a = await ConnectAsync(system.NodeA, "forger_a");
        await using var b = await ConnectAsync(system.NodeB, "forger_b");
        await a.JoinAsync("forged");
        await b.JoinAsync("forged");

        // Connected as stockbot, it names other senders, or none.
        await PublishReplyAsync(channel, new CommandReply("forged-1", "forged", "admin", "I am the admin"), StockUser);
        await PublishReplyAsync(channel, new CommandReply("forged-2", "forged", "EchoBot", "I am EchoBot"), StockUser);
        await PublishReplyAsync(channel, new CommandReply("forged-3", "forged", "StockBot", "no user-id"), userId: null);
        await PublishReplyAsync(channel, new CommandReply("forged-4", "forged", "StockBot", "x"), StockUser, Encoding.UTF8.GetBytes("{not json"));

        // Two chat nodes compete for the replies: the refusals come in any order.
        Assert.Equal(
            ["no user-id property", "not a reply: JSON with requestId, room, bot and text", "the user-id is not the bot name", "the user-id is not the bot name"],
            (await RefusalsAsync(adminChannel, 4)).Order(StringComparer.Ordinal));
        await a.SendMessageAsync("forged", "marker");
        var next = await b.NextAsync();
        Assert.Equal(("forger_a", "marker"), (next.GetProperty("user").GetString(), next.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task The_broker_refuses_a_publish_whose_user_id_is_not_the_connections_user()
    {
        await using var bot = await system.ConnectToBrokerAsync(StockUser);
        await using var channel = await bot.CreateChannelAsync(Confirmed);

        await Assert.ThrowsAnyAsync<Exception>(() =>
            PublishReplyAsync(channel, new CommandReply("spoof-1", "lobby", "WeatherBot", "spoofed"), BrokerAccess.BotUser("weather")));

        Assert.Equal(PreconditionFailed, channel.CloseReason!.ReplyCode);
    }

    [Fact]
    public async Task A_bot_whose_text_breaks_a_rule_is_named_in_the_room_and_its_reply_dead_lettered()
    {
        await using var admin = await system.ConnectToBrokerAsync();
        await using var adminChannel = await EmptyDeadLetterQueueAsync(admin);
        await using var bot = await system.ConnectToBrokerAsync(StockUser);
        await using var channel = await bot.CreateChannelAsync(Confirmed);
        await using var a = await ConnectAsync(system.NodeA, "breach_a");
        await a.JoinAsync("breach");

        await PublishReplyAsync(channel, new CommandReply("breach-1", "breach", "StockBot", "line one\r\nline two"), StockUser);

        var notice = await a.WaitForAsync(f => IsMessageIn(f, "breach"));
        Assert.Equal(
            ("system", "StockBot's answer was not posted: text must not contain control characters."),
            (notice.GetProperty("user").GetString(), notice.GetProperty("text").GetString()));
        Assert.Equal(["text must not contain control characters"], await RefusalsAsync(adminChannel, 1));
    }

    public static TheoryData<string, string> ForeignQueues() => new()
    {
        // user, queue it must not consume
        { BrokerAccess.BotUser("weather"), CommandTopology.BotQueue("stock") },
        { BrokerAccess.BotUser("weather"), CommandTopology.RepliesQueue },
        { BrokerAccess.BotUser("stock"), CommandTopology.RepliesQueue },
        { BrokerAccess.ChatUser, CommandTopology.BotQueue("stock") },
    };

    [Theory]
    [MemberData(nameof(ForeignQueues))]
    public async Task A_user_cannot_consume_a_queue_that_is_not_its_own(string user, string queue)
    {
        await using var connection = await system.ConnectToBrokerAsync(user);
        await using var channel = await connection.CreateChannelAsync();

        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.BasicGetAsync(queue, autoAck: false));

        Assert.Equal(AccessRefused, refused.ShutdownReason!.ReplyCode);
    }

    [Fact]
    public async Task A_bot_cannot_declare_the_replies_queue()
    {
        await using var connection = await system.ConnectToBrokerAsync(StockUser);
        await using var channel = await connection.CreateChannelAsync();

        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => CommandTopology.DeclareRepliesAsync(channel));

        Assert.Equal(AccessRefused, refused.ShutdownReason!.ReplyCode);
    }
}
