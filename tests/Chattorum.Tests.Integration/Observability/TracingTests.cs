using System.Diagnostics;
using Chattorum.ChatApi;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Commands;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using OpenTelemetry;
using OpenTelemetry.Trace;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Observability;

/// <summary>The in-memory exporter sees one trace per message and per command, across nodes and services.</summary>
public sealed class TracingTests(CommandsFixture system) : IClassFixture<CommandsFixture>, IDisposable
{
    private readonly List<Activity> _spans = [];
    private TracerProvider? _tracing;

    private void StartTracing() => _tracing = Sdk.CreateTracerProviderBuilder()
        .AddSource(ChatTelemetry.SourceName, BotTelemetry.Name, "System.Net.Http")
        .SetSampler(new AlwaysOnSampler())
        .AddInMemoryExporter(_spans)
        .Build();

    public void Dispose() => _tracing?.Dispose();

    private List<Activity> Trace(ActivityTraceId trace)
    {
        _tracing!.ForceFlush();
        lock (_spans)
        {
            return [.. _spans.Where(s => s.TraceId == trace)];
        }
    }

    private Activity Root(string name, string room)
    {
        _tracing!.ForceFlush();
        lock (_spans)
        {
            return _spans.Single(s => s.DisplayName == name && (string?)s.GetTagItem("chat.room") == room);
        }
    }

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

        var root = Root("ws send", "traced");
        Assert.Equal(ActivityKind.Server, root.Kind);
        Assert.Equal(default, root.ParentSpanId);
        await Eventually.EqualAsync(2, () => Task.FromResult(Trace(root.TraceId).Count(s => s.DisplayName == "deliver traced")));

        var spans = Trace(root.TraceId);
        var publish = spans.Single(s => s.DisplayName == "publish traced");
        Assert.Equal((ActivityKind.Producer, "redis"), (publish.Kind, (string?)publish.GetTagItem("messaging.system")));
        Assert.Equal(root.SpanId, publish.ParentSpanId);
        var deliveries = spans.Where(s => s.DisplayName == "deliver traced").ToList();
        Assert.All(deliveries, d => Assert.Equal((ActivityKind.Consumer, publish.SpanId), (d.Kind, d.ParentSpanId)));
        Assert.Equal(2, deliveries.Sum(d => (int)d.GetTagItem("chat.receivers")!));
        Assert.All(deliveries, d => Assert.Equal(publish.GetTagItem("messaging.message.id"), d.GetTagItem("messaging.message.id")));
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

            var root = Root("ws send", "traced-cmd");

            // A span is exported when it ends; the bot's ends after the broker confirmed its reply, which can be after delivery.
            string[] expected = ["publish chattorum.commands", "process chattorum.bot.stock", "publish chattorum.replies", "process chattorum.replies", "publish traced-cmd"];
            await Eventually.EqualAsync(true, () => Task.FromResult(
                Trace(root.TraceId) is var all && expected.All(name => all.Any(s => s.DisplayName == name)) && all.Count(s => s.DisplayName == "deliver traced-cmd") == 2));
            var spans = Trace(root.TraceId);
            Activity One(string name) => Assert.Single(spans, s => s.DisplayName == name);

            var command = One("publish chattorum.commands");
            Assert.Equal(("rabbitmq", "command.stock"), ((string?)command.GetTagItem("messaging.system"), (string?)command.GetTagItem("messaging.rabbitmq.destination.routing_key")));
            var bot = One("process chattorum.bot.stock");
            Assert.Equal((ActivityKind.Consumer, command.SpanId, BotTelemetry.Name), (bot.Kind, bot.ParentSpanId, bot.Source.Name));

            // Each provider call is an HTTP span of the trace: stooq's page, then Alpha Vantage's quote.
            var http = spans.Where(s => s.Source.Name == "System.Net.Http").ToList();
            Assert.True(http.Count >= 2, $"{http.Count} HTTP spans");
            Assert.All(http, h => Assert.Equal(ActivityKind.Client, h.Kind));

            var reply = One("publish chattorum.replies");
            Assert.Equal(bot.SpanId, reply.ParentSpanId);
            var posted = One("process chattorum.replies");
            Assert.Equal(reply.SpanId, posted.ParentSpanId);
            var append = One("publish traced-cmd");
            Assert.Equal(posted.SpanId, append.ParentSpanId);
            Assert.All(spans.Where(s => s.DisplayName == "deliver traced-cmd"), d => Assert.Equal(append.SpanId, d.ParentSpanId));
        }
        finally
        {
            system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        }
    }
}
