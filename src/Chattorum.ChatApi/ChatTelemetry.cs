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

    /// <summary>
    /// The room channel's name with the room left out: the <c>{destination}</c> of the Redis hop's span names, after the
    /// conventions' <c>messaging.destination.template</c>, so that span names stay bounded however many rooms there are.
    /// </summary>
    public const string RoomChannelTemplate = Backplane.RedisKeys.EventsTemplate;

    /// <summary>Appending a message to the room's stream and publishing it on the room's channel (one script).</summary>
    public static Activity? StartRoomSend(string room)
    {
        var activity = Source.StartActivity($"send {RoomChannelTemplate}", ActivityKind.Producer);
        SetRoomTags(activity, "send", room);
        return activity;
    }

    /// <summary>The fan-out of one message on this node: pushed by Redis, so no receive span; continues the sender's trace.</summary>
    public static Activity? StartRoomProcess(string room, ActivityContext sender)
    {
        var activity = Source.StartActivity($"process {RoomChannelTemplate}", ActivityKind.Consumer, sender, links: [new ActivityLink(sender)]);
        SetRoomTags(activity, "process", room);
        return activity;
    }

    private static void SetRoomTags(Activity? activity, string operation, string room)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("messaging.system", "redis");
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.destination.name", Backplane.RedisKeys.Events(room).ToString());
        activity.SetTag("messaging.destination.template", RoomChannelTemplate);
        activity.SetTag("chat.room", room);
    }

    /// <summary>
    /// An upgrade below HTTP, from its head read to its answer written (<see cref="Upgrade.ChatListener"/>): the span
    /// ASP.NET Core makes for every request on the HTTP path, which the listener bypasses. The client is the
    /// connection's peer: the listener reads no forwarded headers.
    /// </summary>
    public static Activity? StartUpgrade(System.Net.EndPoint? client)
    {
        var activity = Source.StartActivity("GET /ws", ActivityKind.Server);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("http.request.method", "GET");
        activity.SetTag("url.path", ChatEndpoint.Path);
        activity.SetTag("network.protocol.version", "1.1");
        activity.SetTag("chat.upgrade.path", ChatEndpoint.ListenerPath);
        if (client is System.Net.IPEndPoint address)
        {
            activity.SetTag("client.address", address.Address.ToString());
            activity.SetTag("client.port", address.Port);
        }

        return activity;
    }

    /// <summary>Puts an upgrade's answer on its span: a server error (503) fails it, as OpenTelemetry's HTTP conventions say.</summary>
    public static void Answered(Activity? activity, int status, string? error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("http.response.status_code", status);
        if (error is not null)
        {
            activity.SetTag("error.type", error);
        }

        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
        }
    }

    public static void Fail(this Activity? activity, string description)
    {
        activity?.SetStatus(ActivityStatusCode.Error, description);
    }
}
