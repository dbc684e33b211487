using Chattorum.ChatApi;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Options;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>An operator can raise the per-connection rate (for bots or load tests); the welcome tells clients.</summary>
public sealed class ConfiguredRateTests
{
    [Fact]
    public async Task A_raised_rate_lets_a_burst_through_and_the_welcome_says_so()
    {
        await using var server = await ChatServer.StartAsync("--Chat:RatePerSecond", "1000", "--Chat:RateBurst", "200");
        await using var client = await ConnectAsync(server, "fast_sender");
        await client.JoinAsync("fast");

        const int burst = 150;
        var cids = new List<string>();
        for (var i = 0; i < burst; i++)
        {
            cids.Add(await client.SendMessageAsync("fast", $"m{i}"));
        }

        // 150 frames at once: well past the default burst of 20, all accepted, in order.
        var acks = await client.AcksAsync(burst);
        Assert.Equal(cids, acks.Select(a => a.GetProperty("cid").GetString()));
        var messages = await client.CollectAsync(f => IsMessageIn(f, "fast"), burst);
        Assert.Equal(Enumerable.Range(0, burst).Select(i => $"m{i}"), messages.Select(m => m.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task The_welcome_reports_the_configured_limits()
    {
        await using var server = await ChatServer.StartAsync("--Chat:RatePerSecond", "250", "--Chat:RateBurst", "40");
        var options = server.Get<IOptions<ChatOptions>>().Value;
        Assert.Equal((250d, 40), (options.RatePerSecond, options.RateBurst));

        var welcome = await WelcomeAsync(server, "welcomed");
        var limits = welcome.GetProperty("limits");
        Assert.Equal(250, limits.GetProperty("ratePerSecond").GetDouble());
        Assert.Equal(40, limits.GetProperty("rateBurst").GetInt32());
    }

    [Theory]
    [InlineData("0", "20", "Chat:RatePerSecond is 0; it must be a number above 0")]
    [InlineData("-5", "20", "Chat:RatePerSecond is -5; it must be a number above 0")]
    [InlineData("10", "0", "Chat:RateBurst is 0; it must be at least 1")]
    public async Task A_rate_that_would_refuse_everything_stops_the_node_at_start(string perSecond, string burst, string message)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ChatServer.StartAsync("--Chat:RatePerSecond", perSecond, "--Chat:RateBurst", burst));
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }
}
