using System.Diagnostics;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.Messaging;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Commands;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Observability;

/// <summary>
/// The in-memory exporter sees one trace per message and per command, across nodes and services, with span names and
/// attributes after the OpenTelemetry messaging conventions, and no root traces for background work.
/// </summary>
public sealed class TracingTests(CommandsFixture system) : IClassFixture<CommandsFixture>, IDisposable
{
    private const string RoomSend = "send chattorum:room:{room}:events";
    private const string RoomProcess = "process chattorum:room:{room}:events";

    private readonly List<Activity> _spans = [];
    private TracerProvider? _tracing;

    // Every source a service records, RabbitMQ.Client's and the Redis client's included: what the dashboard gets.
    private void StartTracing() => _tracing = Sdk.CreateTracerProviderBuilder()
        .AddSource(ChatTelemetry.SourceName, BotTelemetry.Name, "System.Net.Http", "Microsoft.AspNetCore", BackgroundRootFilter.RedisSource)
        .AddSource(MessagingTelemetry.LibrarySources)
        .SetSampler(new AlwaysOnSampler())
        .AddInMemoryExporter(_spans)
        .Build();

    public void Dispose() => _tracing?.Dispose();

    private List<Activity> All()
    {
        _tracing!.ForceFlush();
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    private List<Activity> Trace(ActivityTraceId trace) => [.. All().Where(s => s.TraceId == trace)];

    /// <summary>The frame's span, once exported: it ends after its ack is written, which can come after the deliveries.</summary>
    private async Task<Activity> RootAsync(string name, string room)
    {
        bool Matches(Activity s) => s.DisplayName == name && (string?)s.GetTagItem("chat.room") == room;
        await Eventually.EqualAsync(true, () => Task.FromResult(All().Any(Matches)));
        return All().Single(Matches);
    }

    private static object? Tag(Activity span, string name) => span.GetTagItem(name);

    [Fact]
    public async Task A_message_is_one_trace_from_the_frame_through_redis_to_the_delivery_on_every_node()
    {
        StartTracing();
        await using var a = await ConnectAsync(system.NodeA, "trace_a");
        await using var b = await ConnectAsync(system.NodeB, "trace_b");
        await a.JoinAsync("traced");
        await b.JoinAsync("traced");
        await a.SendMessageAsync("traced", "follow me");
        await b.WaitForAsync(f => IsMessageIn(f, "traced"));
        await a.WaitForAsync(f => IsMessageIn(f, "traced"));

        var root = await RootAsync("ws send", "traced");
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal(default, root.ParentSpanId);
        // A span is exported when it ends: the send ends after its replica wait, which can be after the deliveries.
        await Eventually.EqualAsync(true, () => Task.FromResult(
            Trace(root.TraceId) is var all && all.Count(s => s.DisplayName == RoomProcess) == 2 && all.Any(s => s.DisplayName == RoomSend)));

        var spans = Trace(root.TraceId);
        var send = Assert.Single(spans, s => s.DisplayName == RoomSend);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(root.SpanId, send.ParentSpanId);
        Assert.Equal(("redis", "send", "send", "chattorum:room:{traced}:events", "traced"), RoomTags(send));
        var deliveries = spans.Where(s => s.DisplayName == RoomProcess).ToList();
        Assert.All(deliveries, d => Assert.Equal((ActivityKind.Consumer, send.SpanId), (d.Kind, d.ParentSpanId)));
        Assert.All(deliveries, d => Assert.Equal(("redis", "process", "process", "chattorum:room:{traced}:events", "traced"), RoomTags(d)));
        Assert.Equal(2, deliveries.Sum(d => (int)d.GetTagItem("chat.receivers")!));
        Assert.All(deliveries, d => Assert.Equal(Tag(send, "messaging.message.id"), Tag(d, "messaging.message.id")));
        Assert.DoesNotContain(spans, s => s.DisplayName.Contains("traced", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stock_command_is_one_trace_through_rabbitmq_the_bot_its_http_calls_and_back_to_every_node()
    {
        StartTracing();
        system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        system.Quotes.Stooq.Behaviour = QuoteBehaviour.Html;
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        try
        {
            await using var a = await ConnectAsync(system.NodeA, "trace_c");
            await using var b = await ConnectAsync(system.NodeB, "trace_d");
            await a.JoinAsync("traced-cmd");
            await b.JoinAsync("traced-cmd");
            await a.SendMessageAsync("traced-cmd", "/stock=AAPL");
            await b.WaitForAsync(f => IsMessageIn(f, "traced-cmd"));

            var root = await RootAsync("ws send", "traced-cmd");

            // A span is exported when it ends; the bot's ends after the broker confirmed its reply, which can be after delivery.
            string[] expected = ["send chattorum.commands", "process chattorum.bot.stock", "send", "process chattorum.replies", RoomSend];
            await Eventually.EqualAsync(true, () => Task.FromResult(
                Trace(root.TraceId) is var all && expected.All(name => all.Any(s => s.DisplayName == name)) && all.Count(s => s.DisplayName == RoomProcess) == 2));
            var spans = Trace(root.TraceId);
            Activity One(string name) => Assert.Single(spans, s => s.DisplayName == name);

            // Each RabbitMQ hop is RabbitMQ.Client's own span, made conventional; none of ours doubles it.
            var command = One("send chattorum.commands");
            Assert.Equal((ActivityKind.Producer, RabbitMQ.Client.RabbitMQActivitySource.PublisherSourceName, root.SpanId), (command.Kind, command.Source.Name, command.ParentSpanId));
            AssertRabbitTags(command, "send", "chattorum.commands", "command.stock");
            var bot = One("process chattorum.bot.stock");
            Assert.Equal((ActivityKind.Consumer, RabbitMQ.Client.RabbitMQActivitySource.SubscriberSourceName, command.SpanId), (bot.Kind, bot.Source.Name, bot.ParentSpanId));
            AssertRabbitTags(bot, "process", "chattorum.commands", "command.stock");
            Assert.Equal("chattorum.bot.stock", Tag(bot, "messaging.destination.subscription.name"));
            Assert.Equal(Tag(command, "messaging.message.id"), Tag(bot, "messaging.message.id"));

            // Each provider call is an HTTP span of the trace: stooq's page, then Alpha Vantage's quote.
            var http = spans.Where(s => s.Source.Name == "System.Net.Http").ToList();
            Assert.True(http.Count >= 2, $"{http.Count} HTTP spans");
            Assert.All(http, h => Assert.Equal((ActivityKind.Client, bot.SpanId), (h.Kind, h.ParentSpanId)));

            // The reply goes through the default exchange, whose name is empty: the span is "send" alone.
            var reply = One("send");
            Assert.Equal((ActivityKind.Producer, bot.SpanId), (reply.Kind, reply.ParentSpanId));
            AssertRabbitTags(reply, "send", string.Empty, "chattorum.replies");
            var posted = One("process chattorum.replies");
            Assert.Equal((ActivityKind.Consumer, reply.SpanId), (posted.Kind, posted.ParentSpanId));
            AssertRabbitTags(posted, "process", string.Empty, "chattorum.replies");
            var append = One(RoomSend);
            Assert.Equal(posted.SpanId, append.ParentSpanId);
            Assert.All(spans.Where(s => s.DisplayName == RoomProcess), d => Assert.Equal(append.SpanId, d.ParentSpanId));

            // Span names stay bounded: no room, routing key or request id in them.
            Assert.DoesNotContain(spans, s => s.DisplayName.Contains("traced", StringComparison.Ordinal) || s.DisplayName.Contains("command.", StringComparison.Ordinal));
            Assert.DoesNotContain(spans, s => s.DisplayName.StartsWith("publish", StringComparison.Ordinal) || s.DisplayName.StartsWith("deliver", StringComparison.Ordinal));
        }
        finally
        {
            system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        }
    }

    [Fact]
    public async Task Background_work_records_no_root_spans_while_traced_work_keeps_its_redis_spans()
    {
        StartTracing();
        using var redis = await ConnectionMultiplexer.ConnectAsync(system.Redis.ConnectionString);
        var registry = redis.GetDatabase();
        string[] nodes = [system.NodeA.Get<ChatNode>().Id, system.NodeB.Get<ChatNode>().Id];
        var before = await HeartbeatsAsync(registry, nodes);

        // Each node's presence heartbeat (a Redis script every 3 s, outside any trace) has run since tracing started.
        await Eventually.EqualAsync(true, async () => (await HeartbeatsAsync(registry, nodes)).Zip(before).All(p => p.First > p.Second), TimeSpan.FromSeconds(20));

        // A health probe, as the AppHost makes every 30 s: its checks PING Redis.
        using (var response = await HttpProbe.GetAsync(new Uri(system.NodeA.BaseUri, "/health")))
        {
            response.EnsureSuccessStatusCode();
        }

        // Then traced work: its Redis commands are spans of its trace, flushed by the instrumentation with the heartbeat's.
        await using var a = await ConnectAsync(system.NodeA, "trace_e");
        await a.JoinAsync("traced-idle");
        await a.SendMessageAsync("traced-idle", "after the heartbeats");
        await a.WaitForAsync(f => IsMessageIn(f, "traced-idle"));
        var root = await RootAsync("ws send", "traced-idle");
        await Eventually.EqualAsync(true, () => Task.FromResult(Trace(root.TraceId).Any(s => s.Source.Name == BackgroundRootFilter.RedisSource)), TimeSpan.FromSeconds(30));

        // The test's own clients call the nodes from this process (a token, the upgrade): those HTTP spans are not the nodes'.
        string[] ours = [system.NodeA.BaseUri.Authority, system.NodeB.BaseUri.Authority];
        var spans = All();
        var roots = spans.Where(s => s.ParentSpanId == default && !IsTestClientCall(s, ours)).ToList();
        Assert.DoesNotContain(roots, s => s.Source.Name == BackgroundRootFilter.RedisSource);
        Assert.All(roots, s => Assert.True(
            s.Source.Name is ChatTelemetry.SourceName or "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server,
            $"a root span of background work: {s.Source.Name} {s.DisplayName}"));

        // Nor the probe's: its checks' Redis PINGs would be recorded under its filtered span, a trace of their own.
        // (Other test classes poll their own nodes' /health at the same time: only this node's probe is this test's.)
        var probeUrl = new Uri(system.NodeA.BaseUri, "/health").ToString();
        var probe = Assert.Single(spans, s => s.Source.Name == "System.Net.Http" && Tag(s, "url.full") is string url && url == probeUrl);
        Assert.DoesNotContain(spans, s => s.TraceId == probe.TraceId && s != probe);
    }

    private static readonly HttpClient HttpProbe = new();

    // The listener hears the whole test process, where other test classes' clients make HTTP calls (sign-ups, health
    // polls) at the same time; a chat node makes no HTTP client call, and the bot makes its calls inside its spans.
    // Other test classes also publish straight to RabbitMQ with RabbitMQ.Client (requests and replies of their own):
    // those sends are roots too. The services' sends are children of their spans, which the /stock test asserts.
    private static bool IsTestClientCall(Activity span, string[] nodes) =>
        (span.Source.Name == "System.Net.Http" && Tag(span, "url.full") is string url && (nodes.Contains(new Uri(url).Authority) || new Uri(url).IsLoopback))
        || span.Source.Name == RabbitMQ.Client.RabbitMQActivitySource.PublisherSourceName;

    private static async Task<double[]> HeartbeatsAsync(IDatabase registry, string[] nodes) =>
        await Task.WhenAll(nodes.Select(async node => await registry.SortedSetScoreAsync(RedisKeys.NodeRegistry, node) ?? 0));

    private static (object?, object?, object?, object?, object?) RoomTags(Activity span) => (
        Tag(span, "messaging.system"),
        Tag(span, "messaging.operation.type"),
        Tag(span, "messaging.operation.name"),
        Tag(span, "messaging.destination.name"),
        Tag(span, "chat.room"));

    private static void AssertRabbitTags(Activity span, string operation, string exchange, string routingKey)
    {
        Assert.Equal(
            ("rabbitmq", operation, operation, exchange, routingKey),
            (Tag(span, "messaging.system"), Tag(span, "messaging.operation.type"), Tag(span, "messaging.operation.name"),
                Tag(span, "messaging.destination.name"), Tag(span, "messaging.rabbitmq.destination.routing_key")));
        Assert.False(string.IsNullOrEmpty(Tag(span, "messaging.message.id") as string), $"{span.DisplayName} has no message id");
        Assert.False(string.IsNullOrEmpty(Tag(span, "server.address") as string), $"{span.DisplayName} has no server.address");
        Assert.IsType<int>(Tag(span, "server.port"));
    }
}
