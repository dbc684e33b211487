using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>The StockBot's circuit breaker seen from the chat: it opens on a failing provider and closes when it heals.</summary>
public class BreakerEndToEndTests
{
    [Fact]
    public async Task A_failing_provider_gets_clear_replies_then_the_breaker_opens_and_later_closes()
    {
        await using var system = new CommandsFixture(
            "--Quotes:Providers:0", "stooq",
            "--Quotes:Resilience:MaxRetryAttempts", "0",
            "--Quotes:Resilience:MinimumThroughput", "2",
            "--Quotes:Resilience:SamplingDuration", "00:00:30",
            "--Quotes:Resilience:BreakDuration", "00:00:02");
        await system.InitializeAsync();
        system.Quotes.Stooq.Behaviour = QuoteBehaviour.ServerError;
        system.Quotes.SetPrice("AAPL.US", 93.42m);

        // Commands are limited per user, so each probe comes from a user of its own, in a room of its own.
        var probes = 0;
        async Task<string> AskAsync()
        {
            var probe = probes++;
            await using var client = await ConnectAsync(system.NodeA, $"probe{probe}");
            await client.JoinAsync($"breaker-{probe}");
            await client.SendMessageAsync($"breaker-{probe}", "/stock=AAPL");
            var answer = await client.WaitForAsync(f => IsMessageIn(f, $"breaker-{probe}") && f.GetProperty("user").GetString() == "StockBot", TimeSpan.FromSeconds(60));
            return answer.GetProperty("text").GetString()!;
        }

        // Failures get the plain reply until the circuit opens (after two failed calls, as configured).
        string answer;
        var asked = 0;
        while (!(answer = await AskAsync()).Contains("temporarily unavailable", StringComparison.Ordinal))
        {
            Assert.Equal("Stock quotes are unavailable right now; try again in a minute", answer);
            Assert.True(++asked < 6, "the circuit never opened");
        }

        Assert.True(system.Quotes.Stooq.Requests >= 2);

        // Open: answered at once, and the provider is left alone.
        var failedCalls = system.Quotes.Stooq.Requests;
        Assert.Contains("temporarily unavailable", await AskAsync(), StringComparison.Ordinal);
        Assert.Equal(failedCalls, system.Quotes.Stooq.Requests);

        // The provider heals; after the break one trial call goes through and closes the circuit.
        system.Quotes.Stooq.Behaviour = QuoteBehaviour.Quote;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((answer = await AskAsync()) != "AAPL.US quote is $93.42 per share")
        {
            Assert.Contains("temporarily unavailable", answer, StringComparison.Ordinal);
            Assert.True(DateTime.UtcNow < deadline, "the breaker never closed");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal("AAPL.US quote is $93.42 per share", await AskAsync());
        Assert.True(system.Quotes.Stooq.Requests >= failedCalls + 2);
    }
}
