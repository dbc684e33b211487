using System.Diagnostics;
using Chattorum.ChatApi;

namespace Chattorum.Tests.Unit.Telemetry;

/// <summary>The Redis hop's spans: bounded names whatever the room, the room and channel as attributes.</summary>
public sealed class ChatTelemetryTests
{
    [Fact]
    public void The_redis_hop_spans_are_named_after_the_channel_template_and_carry_the_room_as_attributes()
    {
        using var spans = new SpanCollector(null, ChatTelemetry.SourceName);

        ActivityContext sender;
        using (var send = ChatTelemetry.StartRoomSend("lobby-42"))
        {
            sender = send!.Context;
        }

        ChatTelemetry.StartRoomProcess("other-room", sender)?.Dispose();

        var exported = spans.Exported.Where(s => s.TraceId == sender.TraceId).ToList();
        var published = Assert.Single(exported, s => s.Kind == ActivityKind.Producer);
        var processed = Assert.Single(exported, s => s.Kind == ActivityKind.Consumer);
        Assert.Equal("send chattorum:room:{room}:events", published.DisplayName);
        Assert.Equal("process chattorum:room:{room}:events", processed.DisplayName);
        Assert.Equal(
            ("redis", "send", "send", "chattorum:room:{lobby-42}:events", "chattorum:room:{room}:events", "lobby-42"),
            Tags(published));
        Assert.Equal(
            ("redis", "process", "process", "chattorum:room:{other-room}:events", "chattorum:room:{room}:events", "other-room"),
            Tags(processed));

        // A push consumer: parented to the sender's span, and linked to it as the conventions ask.
        Assert.Equal(published.SpanId, processed.ParentSpanId);
        Assert.Equal(published.SpanId, Assert.Single(processed.Links).Context.SpanId);
    }

    private static (object?, object?, object?, object?, object?, object?) Tags(Activity span) => (
        span.GetTagItem("messaging.system"),
        span.GetTagItem("messaging.operation.type"),
        span.GetTagItem("messaging.operation.name"),
        span.GetTagItem("messaging.destination.name"),
        span.GetTagItem("messaging.destination.template"),
        span.GetTagItem("chat.room"));
}
