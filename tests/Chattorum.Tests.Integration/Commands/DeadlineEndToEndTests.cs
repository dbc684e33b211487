using System.Diagnostics;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>With every provider hanging, the room still hears an answer within 5 s (the bot's deadline is 4 s).</summary>
public class DeadlineEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task When_every_provider_hangs_the_room_hears_unavailable_within_five_seconds()
    {
        // Production timings (3 s per attempt, 2 retries): without the deadline this took 2 providers x 3 attempts x 3 s.
        await using var system = new CommandsFixture("--Quotes:Resilience:AttemptTimeout", "00:00:03", "--Quotes:Resilience:RetryDelay", "00:00:00.250");
        await system.InitializeAsync();
        system.Quotes.SetBehaviour(QuoteBehaviour.Slow);
        await using var client = await ConnectAsync(system.NodeA, "deadline_a");
        await client.JoinAsync("deadline");

        var asked = Stopwatch.StartNew();
        await client.SendMessageAsync("deadline", "/stock=AAPL");
        var answer = await client.WaitForAsync(f => IsMessageIn(f, "deadline") && f.GetProperty("user").GetString() == "StockBot", TimeSpan.FromSeconds(30));
        var took = asked.Elapsed;
        output.WriteLine($"answer in the room after {took.TotalMilliseconds:0} ms");

        Assert.Equal("Stock quotes are unavailable right now; try again in a minute", answer.GetProperty("text").GetString());
        Assert.InRange(took, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        Assert.InRange(system.Quotes.Stooq.Requests, 1, 2); // cut during stooq's retry (its delay is jittered); Alpha Vantage never reached
        Assert.Equal(0, system.Quotes.AlphaVantage.Requests);
    }
}
