using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.Tests.Integration.Support;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>
/// The command path on its own, against real Redis and RabbitMQ: what a connection gets back for each way a command can
/// go, and the user's command window kept under its key from <see cref="RedisKeys"/>.
/// </summary>
public sealed class CommandGatewayTests(CommandsFixture system) : IClassFixture<CommandsFixture>
{
    private CommandGateway Gateway => system.NodeA.Get<CommandGateway>();

    private static JsonElement Read(byte[] frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.Clone();
    }

    public static TheoryData<string, string, string?> Outcomes() => new()
    {
        // command line, the answer's type, its error code
        { "/stock=AAPL", "queued", null },
        { "/stock", "queued", null },
        { "/nosuchbot=AAPL", "error", "unknown_command" },
        { "/no-such_bot", "error", "unknown_command" },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Each_outcome_is_the_frame_its_sender_gets(string line, string type, string? code)
    {
        Assert.True(CommandLine.TryParse(line, out var command, out var problem), problem);
        var user = $"gw_{new string([.. line.Where(char.IsAsciiLetterOrDigit)])}";

        var answer = Read(await Gateway.SubmitAsync(user, "gateway", command, "c-1"));

        Assert.Equal((type, "c-1"), (answer.GetProperty("type").GetString(), answer.GetProperty("cid").GetString()));
        if (code is null)
        {
            Assert.Equal(("gateway", command.Name), (answer.GetProperty("room").GetString(), answer.GetProperty("command").GetString()));
            Assert.Matches("^[0-9a-f]{32}$", answer.GetProperty("request").GetString());
        }
        else
        {
            Assert.Equal((code, "send"), (answer.GetProperty("code").GetString(), answer.GetProperty("frame").GetString()));
            Assert.Contains($"/{command.Name}", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_user_past_the_window_is_rate_limited_under_the_key_RedisKeys_names()
    {
        Assert.True(CommandLine.TryParse("/nosuchbot_window", out var command, out _));
        var codes = new List<string?>();
        for (var i = 0; i <= ChatLimits.CommandsPerWindow; i++)
        {
            // Any letter case: one user, one window.
            var user = i % 2 == 0 ? "Gw_Window" : "gw_window";
            codes.Add(Read(await Gateway.SubmitAsync(user, "gateway", command, $"w{i}")).GetProperty("code").GetString());
        }

        Assert.Equal([.. Enumerable.Repeat("unknown_command", ChatLimits.CommandsPerWindow), "rate_limited"], codes);

        using var redis = await RedisFixture.ConnectAsync(system.Redis);
        var key = RedisKeys.CommandWindow("gw_window");
        Assert.Equal(ChatLimits.CommandsPerWindow + 1, (long)await redis.GetDatabase().StringGetAsync(key));
        Assert.InRange(await redis.GetDatabase().KeyTimeToLiveAsync(key) ?? TimeSpan.Zero, TimeSpan.FromMilliseconds(1), ChatLimits.CommandWindow);

        // Another user has a window of its own.
        Assert.Equal("queued", Read(await Gateway.SubmitAsync("gw_other", "gateway", command with { Name = "stock" }, "o")).GetProperty("type").GetString());
    }
}
