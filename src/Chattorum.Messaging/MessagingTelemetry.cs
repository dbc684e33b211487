using System.Diagnostics;

namespace Chattorum.Messaging;

/// <summary>RabbitMQ spans after the OpenTelemetry messaging conventions, on the caller's own activity source.</summary>
public static class MessagingTelemetry
{
    /// <summary>Publishing to <paramref name="destination"/> (an exchange, or a queue through the default exchange).</summary>
    public static Activity? StartPublish(ActivitySource source, string destination, string messageId, string? routingKey = null)
    {
        var activity = source.StartActivity($"publish {destination}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.operation.type", "publish");
        activity?.SetTag("messaging.destination.name", destination);
        activity?.SetTag("messaging.message.id", messageId);
        if (routingKey is not null)
        {
            activity?.SetTag("messaging.rabbitmq.destination.routing_key", routingKey);
        }

        return activity;
    }

    /// <summary>Processing a message from <paramref name="queue"/>, continuing the publisher's trace.</summary>
    public static Activity? StartProcess(ActivitySource source, string queue, string? messageId, ActivityContext sender)
    {
        var activity = source.StartActivity($"process {queue}", ActivityKind.Consumer, sender);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.destination.name", queue);
        activity?.SetTag("messaging.message.id", messageId);
        return activity;
    }
}
