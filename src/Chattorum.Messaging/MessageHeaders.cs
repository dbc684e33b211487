using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace Chattorum.Messaging;

/// <summary>
/// What travels in AMQP headers: the request's fields (so that a broker's UI or a bot can route on them) and
/// the W3C trace context, so that one trace follows a command from the chat through the bot and back.
/// </summary>
public static class MessageHeaders
{
    public const string Room = "chattorum-room";
    public const string User = "chattorum-user";
    public const string Argument = "chattorum-argument";
    public const string RequestId = "chattorum-request-id";

    public static BasicProperties ForRequest(CommandRequest request, Activity? activity)
    {
        var properties = Persistent(request.RequestId, activity);
        properties.Headers![Room] = request.Room;
        properties.Headers[User] = request.User;
        properties.Headers[Argument] = request.Argument;
        properties.Headers[RequestId] = request.RequestId;
        return properties;
    }

    /// <summary>
    /// A reply's properties. <paramref name="brokerUser"/> is the publishing connection's broker user: it goes in
    /// <c>user-id</c>, which RabbitMQ checks against the connection and the chat checks against the bot name.
    /// </summary>
    public static BasicProperties ForReply(CommandReply reply, string brokerUser, Activity? activity)
    {
        var properties = Persistent(reply.RequestId, activity);
        properties.UserId = brokerUser;
        properties.Headers![Room] = reply.Room;
        properties.Headers[RequestId] = reply.RequestId;
        return properties;
    }

    private static BasicProperties Persistent(string messageId, Activity? activity)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            MessageId = messageId,
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = new Dictionary<string, object?>(),
        };
        // The current span's context; RabbitMQ.Client replaces it with its publish span's when its tracing is on.
        InjectTraceContext(activity, properties.Headers);
        return properties;
    }

    /// <summary>Writes <paramref name="activity"/>'s W3C context (<c>traceparent</c>, <c>tracestate</c>) into the headers.</summary>
    public static void InjectTraceContext(Activity? activity, IDictionary<string, object?> headers) =>
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
            ((IDictionary<string, object?>)carrier!)[name] = value);

    /// <summary>The sender's trace context, to parent the receiver's span.</summary>
    public static ActivityContext ExtractTraceContext(IReadOnlyBasicProperties properties)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(properties.Headers, static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = carrier is IDictionary<string, object?> headers && headers.TryGetValue(name, out var raw)
                ? raw switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null }
                : null;
        }, out var traceParent, out var traceState);
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    public static string? GetString(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers is { } headers && headers.TryGetValue(name, out var raw)
            ? raw switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null }
            : null;
}
