using System.Diagnostics.Metrics;
using Chattorum.ChatApi;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Commands;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Observability;

/// <summary>Each metric an operator watches moves when its event happens.</summary>
public sealed class MetricsTests(CommandsFixture system) : IClassFixture<CommandsFixture>
{
    private static readonly TimeSpan MeasurementTimeout = TimeSpan.FromSeconds(10);

    private static MetricCollector<T> Collect<T>(ChatServer node, string instrument) where T : struct =>
        new(node.Get<IMeterFactory>(), ChatMetrics.MeterName, instrument);

    private static long Sum(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().EvaluateAsCounter();

    // Up-down counters are shared with what earlier tests on the node leave behind (a room retiring late): count the steps.
    private static long Ups(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Count(m => m.Value > 0);

    private static long Downs(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().Count(m => m.Value < 0);

    [Fact]
    public async Task Chat_metrics_follow_connections_rooms_messages_and_refusals()
    {
        var node = system.NodeA;
        using var connections = Collect<long>(node, "chat.connections");
        using var rooms = Collect<long>(node, "chat.rooms.active");
        using var received = Collect<long>(node, "chat.messages.received");
        using var delivered = Collect<long>(node, "chat.messages.delivered");
        using var fanOut = Collect<double>(node, "chat.fanout.duration");
        using var append = Collect<double>(node, "chat.redis.append.duration");
        using var rejected = Collect<long>(node, "chat.frames.rejected");
        using var limited = Collect<long>(node, "chat.frames.rate_limited");
        using var queued = Collect<long>(node, "chat.send_queue.depth");

        var one = await ConnectAsync(node, "metrics_one");
        var two = await ConnectAsync(node, "metrics_two");
        Assert.Equal(2, Ups(connections));
        await one.JoinAsync("metered");
        await two.JoinAsync("metered");
        Assert.Equal(1, Ups(rooms));

        var cid = await one.SendMessageAsync("metered", "count me");
        Assert.Equal(cid, (await one.AcksAsync(1))[0].GetProperty("cid").GetString());
        await two.WaitForAsync(f => IsMessageIn(f, "metered"));
        await one.WaitForAsync(f => IsMessageIn(f, "metered"));
        // Counted before the ack: the append and the acceptance.
        Assert.Equal(1, Sum(received));
        Assert.NotEmpty(append.GetMeasurementSnapshot());

        // Counted by the hub once it has queued the message to both members, which the writers may have sent before the
        // hub's thread gets there (seen once in CI under load: delivered already 2, the fan-out not yet recorded).
        // The fan-out is recorded right after the deliveries are counted, in the same call.
        await fanOut.WaitForMeasurementsAsync(1, MeasurementTimeout);
        Assert.Equal(2, Sum(delivered));

        await one.SendTextAsync("{broken");
        await one.WaitForAsync(f => Type(f) == "error");
        Assert.Equal(1, rejected.GetMeasurementSnapshot().Count(m => (string?)m.Tags["error.code"] == "bad_json"));

        for (var i = 0; i < ChatLimits.RateBurst + 3; i++)
        {
            await one.SendAsync(new { type = "ping" });
        }

        await one.WaitForAsync(f => Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");
        Assert.True(Sum(limited) >= 1);

        queued.RecordObservableInstruments();
        Assert.NotEmpty(queued.GetMeasurementSnapshot());

        await one.DisposeAsync();
        await two.DisposeAsync();
        await Eventually.EqualAsync(true, () => Task.FromResult(Downs(connections) >= 2));
        await Eventually.EqualAsync(true, () => Task.FromResult(Downs(rooms) >= 1));
    }

    [Fact]
    public async Task Command_metrics_count_outcomes_answers_and_the_bots_work()
    {
        using var published = Collect<long>(system.NodeA, "chat.commands.published");
        var botMeters = system.Bot!.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(botMeters, BotTelemetry.Name, "stockbot.requests");
        using var latency = new MetricCollector<double>(botMeters, BotTelemetry.Name, "stockbot.request.duration");
        using var failures = new MetricCollector<long>(botMeters, BotTelemetry.Name, "stockbot.provider.failures");
        using var circuits = new MetricCollector<int>(botMeters, BotTelemetry.Name, "stockbot.circuit.state");
        system.Quotes.Stooq.Behaviour = QuoteBehaviour.Html;
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        try
        {
            await using var client = await ConnectAsync(system.NodeA, "metrics_cmd");
            await client.JoinAsync("metered-cmd");
            await client.SendMessageAsync("metered-cmd", "/stock=AAPL");
            await client.WaitForAsync(f => IsMessageIn(f, "metered-cmd"));
            await client.SendMessageAsync("metered-cmd", "/nosuchbot_cmd");
            await client.WaitForAsync(f => Type(f) == "error");

            var outcomes = published.GetMeasurementSnapshot().Select(m => (string?)m.Tags["outcome"]).ToList();
            Assert.Equal(["queued", "unknown"], outcomes);
            // The bot counts a request once its reply is confirmed, which may be after the reply reached the room.
            await Eventually.EqualAsync(true, () => Task.FromResult(requests.GetMeasurementSnapshot().Any(m => (string?)m.Tags["outcome"] == "answered")));
            await Eventually.EqualAsync(true, () => Task.FromResult(latency.GetMeasurementSnapshot().Count > 0));
            Assert.Contains(failures.GetMeasurementSnapshot(), m => (string?)m.Tags["provider"] == "stooq" && (string?)m.Tags["reason"] == "bad_response");
            circuits.RecordObservableInstruments();
            Assert.Contains(circuits.GetMeasurementSnapshot(), m => (string?)m.Tags["provider"] == "stooq");
        }
        finally
        {
            system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        }
    }

    [Fact]
    public async Task Answered_replies_are_counted_where_they_are_posted()
    {
        using var answeredA = Collect<long>(system.NodeA, "chat.commands.answered");
        using var answeredB = Collect<long>(system.NodeB, "chat.commands.answered");
        system.Quotes.SetPrice("MSFT.US", 412.5m);
        await using var client = await ConnectAsync(system.NodeB, "metrics_ans");
        await client.JoinAsync("metered-ans");
        await client.SendMessageAsync("metered-ans", "/stock=MSFT");
        await client.WaitForAsync(f => IsMessageIn(f, "metered-ans"));
        await Eventually.EqualAsync(1L, () => Task.FromResult(Sum(answeredA) + Sum(answeredB)));
    }
}
