using System.Net;
using System.Text.Json;
using Chattorum.Tests.Integration.Support;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>RabbitMQ going away and coming back, with the chat and the bot running.</summary>
public class BrokerFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(60);

    private static async Task<JsonElement> AnswerToAsync(ChatTestClient client, string cid) =>
        await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);

    [Fact]
    public async Task The_chat_outlives_a_broker_restart_and_no_confirmed_request_is_lost()
    {
        await using var system = new CommandsFixture();
        await system.InitializeAsync();
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        system.Quotes.SetPrice("MSFT.US", 412.5m);
        system.Quotes.SetPrice("GOOG.US", 170.01m);
        system.Quotes.SetPrice("IBM.US", 250m);
        await using var alice = await ConnectAsync(system.NodeA, "alice_rmq");
        await using var bob = await ConnectAsync(system.NodeB, "bob_rmq");
        await alice.JoinAsync("rmq");
        await bob.JoinAsync("rmq");

        // The broker goes away: commands are refused at once, chat goes on, the node stays ready.
        await system.Broker.StopAsync();
        var refused = await AnswerToAsync(alice, await alice.SendMessageAsync("rmq", "/stock=AAPL"));
        Assert.Equal("bot_unreachable", refused.GetProperty("code").GetString());
        await bob.SendMessageAsync("rmq", "still chatting");
        Assert.Equal("still chatting", (await alice.WaitForAsync(f => IsMessageIn(f, "rmq"))).GetProperty("text").GetString());
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(system.NodeA.BaseUri, "/health"))).StatusCode);

        // Requests confirmed while the bot is stopped survive a broker restart and are answered once the bot is back.
        await system.StopBotAsync();
        await system.Broker.StartAgainAsync();
        output.WriteLine($"the chat node published again {(await Probes.UntilQueuedAsync(alice, "rmq", "/stock=AAPL", BrokerTimeout)).TotalMilliseconds:0} ms after the broker was back");
        foreach (var symbol in new[] { "MSFT", "GOOG" })
        {
            await Probes.QueuedAsync(alice, "rmq", $"/stock={symbol}", BrokerTimeout);
        }

        await system.Broker.StopAsync();
        await system.Broker.StartAgainAsync();
        await system.StartBotAsync();
        var answers = await bob.CollectAsync(f => IsMessageIn(f, "rmq") && f.GetProperty("user").GetString() == "StockBot", 3, TimeSpan.FromSeconds(60));
        Assert.Equal(
            ["AAPL.US quote is $93.42 per share", "GOOG.US quote is $170.01 per share", "MSFT.US quote is $412.50 per share"],
            answers.Select(a => a.GetProperty("text").GetString()).Order(StringComparer.Ordinal));

        // And the running bot and chat nodes ride out one more restart without being restarted themselves.
        await system.Broker.StopAsync();
        await system.Broker.StartAgainAsync();
        await Probes.UntilQueuedAsync(alice, "rmq", "/stock=IBM", BrokerTimeout);
        var ibm = await bob.WaitForAsync(f => IsMessageIn(f, "rmq") && f.GetProperty("user").GetString() == "StockBot", TimeSpan.FromSeconds(60));
        Assert.Equal("IBM.US quote is $250.00 per share", ibm.GetProperty("text").GetString());
    }
}
