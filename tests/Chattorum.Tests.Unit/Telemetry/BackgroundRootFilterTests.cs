using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Chattorum.Tests.Unit.Telemetry;

public sealed class BackgroundRootFilterTests
{
    [Fact]
    public void A_redis_command_outside_any_trace_is_not_exported_but_one_inside_a_trace_is()
    {
        using var redis = new ActivitySource(BackgroundRootFilter.RedisSource);
        using var chat = new ActivitySource("Test.Chat." + nameof(A_redis_command_outside_any_trace_is_not_exported_but_one_inside_a_trace_is));
        using var spans = new SpanCollector(new BackgroundRootFilter(), redis.Name, chat.Name);

        // A heartbeat: the Redis instrumentation makes its span after the fact, with no parent.
        redis.StartActivity("EVALSHA", ActivityKind.Client, parentContext: default)?.Dispose();
        using (var send = chat.StartActivity("ws send", ActivityKind.Server))
        {
            redis.StartActivity("EVALSHA", ActivityKind.Client, send!.Context)?.Dispose();
        }

        var exported = spans.Exported;
        var command = Assert.Single(exported, s => s.Source.Name == redis.Name);
        Assert.NotEqual(default, command.ParentSpanId);
        Assert.Single(exported, s => s.DisplayName == "ws send");
    }

    [Fact]
    public void A_root_span_of_another_source_is_kept()
    {
        using var chat = new ActivitySource("Test.Chat." + nameof(A_root_span_of_another_source_is_kept));
        using var spans = new SpanCollector(new BackgroundRootFilter(), chat.Name);

        chat.StartActivity("ws send", ActivityKind.Server)?.Dispose();

        Assert.Single(spans.Exported);
    }
}
