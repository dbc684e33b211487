using System.Diagnostics;

namespace Chattorum.ChatApi;

/// <summary>
/// The chat node's spans, named and tagged after the OpenTelemetry messaging conventions: one trace follows a
/// message from the WebSocket frame through Redis to the delivery on every node, and a command through
/// RabbitMQ, the bot and back.
/// </summary>
public static class ChatTelemetry
{
    public const string SourceName = ChatMetrics.MeterName;

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A client frame that does something (send, join): the root of its own trace, not part of the connection's.</summary>
    public static Activity? StartFrame(string type, string? room)
    {
        Activity.Current = null;
        var activity = Source.StartActivity($"ws {type}", ActivityKind.Server);
        activity?.SetTag("chat.frame.type", type);
        activity?.SetTag("chat.room", room);
        return activity;
    }

    /// <summary>Appending and publishing a message to the room's stream and channel.</summary>
    public static Activity? StartRedisPublish(string room)
    {
        var activity = Source.StartActivity($"publish {room}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.operation.type", "publish");
        activity?.SetTag("messaging.destination.name", room);
        return activity;
    }

    /// <summary>The fan-out of one message on this node, continuing the sender's trace.</summary>
    public static Activity? StartDelivery(string room, ActivityContext sender)
    {
        var activity = Source.StartActivity($"deliver {room}", ActivityKind.Consumer, sender);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", room);
        return activity;
    }

    public static void Fail(this Activity? activity, string description)
    {
        activity?.SetStatus(ActivityStatusCode.Error, description);
    }
}
