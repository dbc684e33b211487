using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chattorum.Messaging;

/// <summary>
/// RabbitMQ spans after the OpenTelemetry messaging conventions: <c>send {exchange}</c> (a Producer span; <c>send</c>
/// alone for the default exchange, whose name is empty) and <c>process {queue}</c> (a Consumer span parented to the
/// sender's). RabbitMQ.Client 7 traces both hops itself (sources <c>RabbitMQ.Client.Publisher</c> and
/// <c>RabbitMQ.Client.Subscriber</c>) but names them <c>publish</c> / <c>deliver</c> and calls the default exchange
/// <c>amq.default</c>: <see cref="UseConventions"/> renames its spans, and our own spans stand in only when its
/// tracing is off, so a hop is never recorded twice.
/// </summary>
public static class MessagingTelemetry
{
    public const string System = "rabbitmq";

    /// <summary>The library's two activity sources, for a service's tracer to listen to.</summary>
    public static readonly string[] LibrarySources = [RabbitMQActivitySource.PublisherSourceName, RabbitMQActivitySource.SubscriberSourceName];

    /// <summary>What RabbitMQ.Client puts in <c>messaging.destination.name</c> for the default exchange, instead of the empty name.</summary>
    private const string LibraryDefaultExchange = "amq.default";

    // Same name as the library's publisher source: it has listeners exactly when the library's has, so it tells
    // whether the library will record the publish. Nothing is ever started on it.
    private static readonly ActivitySource LibraryPublisherProbe = new(RabbitMQActivitySource.PublisherSourceName);

    /// <summary>
    /// Makes RabbitMQ.Client's spans conventional, process-wide. Its publish span is renamed in the context injector,
    /// which it calls once the span's tags are set and before the message is written: the one hook it offers.
    /// </summary>
    public static void UseConventions()
    {
        // Names without routing keys, should a span ever escape renaming: a routing key can be unbounded.
        RabbitMQActivitySource.UseRoutingKeyAsOperationName = false;
        RabbitMQActivitySource.ContextInjector = InjectConventional;
    }

    /// <summary>
    /// Publishing to <paramref name="exchange"/>: nothing to start when the library records the publish (its span is a
    /// child of the current one); otherwise our own Producer span. A failure is put on the span the caller is in.
    /// </summary>
    public static MessagingSpan StartSend(ActivitySource source, string exchange, string routingKey, string messageId)
    {
        if (LibraryPublisherProbe.HasListeners())
        {
            return new MessagingSpan(Activity.Current, owned: false);
        }

        var activity = source.StartActivity(SendName(exchange), ActivityKind.Producer);
        if (activity is { IsAllDataRequested: true })
        {
            SetCommonTags(activity, "send", exchange, routingKey);
            activity.SetTag("messaging.message.id", messageId);
        }

        return new MessagingSpan(activity, owned: true);
    }

    /// <summary>
    /// Processing a delivery from <paramref name="queue"/>: the library's span, which is current in the handler, made
    /// conventional; or, when its tracing is off, our own Consumer span continuing the sender's trace.
    /// </summary>
    public static MessagingSpan StartProcess(ActivitySource source, string queue, BasicDeliverEventArgs delivery, AmqpTcpEndpoint? server)
    {
        var current = Activity.Current;
        var owned = current?.Source.Name != RabbitMQActivitySource.SubscriberSourceName;
        var activity = owned ? StartOwnProcess(source, queue, delivery) : current;
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = $"process {queue}";
            SetCommonTags(activity, "process", delivery.Exchange, delivery.RoutingKey);
            activity.SetTag("messaging.destination.subscription.name", queue);
            activity.SetTag("messaging.message.id", delivery.BasicProperties.MessageId);
            if (server is not null)
            {
                activity.SetTag("server.address", server.HostName);
                activity.SetTag("server.port", server.Port);
            }
        }

        return new MessagingSpan(activity, owned);
    }

    /// <summary><c>send {exchange}</c>, or <c>send</c> for the default exchange: the conventions omit an empty destination.</summary>
    public static string SendName(string exchange) => exchange.Length == 0 ? "send" : $"send {exchange}";

    private static Activity? StartOwnProcess(ActivitySource source, string queue, BasicDeliverEventArgs delivery)
    {
        var sender = MessageHeaders.ExtractTraceContext(delivery.BasicProperties);
        ActivityLink[]? links = sender == default ? null : [new ActivityLink(sender)];
        return source.StartActivity($"process {queue}", ActivityKind.Consumer, sender, links: links);
    }

    private static void SetCommonTags(Activity activity, string operation, string exchange, string routingKey)
    {
        activity.SetTag("messaging.system", System);
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.destination.name", exchange);
        activity.SetTag("messaging.rabbitmq.destination.routing_key", routingKey.Length == 0 ? null : routingKey);
    }

    private static void InjectConventional(Activity send, IDictionary<string, object?> headers)
    {
        if (send.IsAllDataRequested)
        {
            var exchange = send.GetTagItem("messaging.destination.name") as string ?? string.Empty;
            if (exchange == LibraryDefaultExchange)
            {
                exchange = string.Empty;
                send.SetTag("messaging.destination.name", exchange);
            }

            send.DisplayName = SendName(exchange);
            send.SetTag("messaging.operation.name", "send");
        }

        MessageHeaders.InjectTraceContext(send, headers);
    }
}
