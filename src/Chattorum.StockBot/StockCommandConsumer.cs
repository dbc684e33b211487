using System.Diagnostics;
using Chattorum.Messaging;
using Chattorum.StockBot.Quotes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.StockBot;

/// <summary>
/// Answers <c>/stock=SYMBOL</c>: consumes the bot's own durable queue bound to <c>command.stock</c>, with a
/// bounded prefetch and manual acks sent only after the reply is confirmed by the broker. A message that is
/// not a request is dead-lettered at once; a redelivered request is acked without a second answer.
/// </summary>
public sealed partial class StockCommandConsumer(
    BrokerConnection broker,
    ConfirmingPublisher replies,
    IStockQuotes quotes,
    BotMetrics metrics,
    IConfiguration configuration,
    ILogger<StockCommandConsumer> logger) : BackgroundService
{
    public const string Command = "stock";

    /// <summary>The reserved name the answers are posted under.</summary>
    public const string BotName = "StockBot";

    private const ushort Prefetch = 8;
    private const ushort Concurrency = 4;
    private const int RememberedAnswers = 10_000;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly AnsweredRequests _answered = new(RememberedAnswers);

    /// <summary>The bot's broker user, put in each reply's <c>user-id</c>: the chat posts only under the name it vouches for.</summary>
    private readonly string _brokerUser = BrokerUserName.From(configuration) ?? BrokerUserName.ClientDefault;
    private volatile bool _consuming;

    /// <summary>True once the bot's queue is declared, bound and consumed: from then on <c>/stock</c> reaches it.</summary>
    public bool IsConsuming => _consuming;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await broker.WaitConnectedAsync(stoppingToken).ConfigureAwait(false) is not { } connection)
        {
            return;
        }

        await using var requests = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: Concurrency),
            stoppingToken).ConfigureAwait(false);
        // What the bot's broker user may declare; not the replies queue, which the chat nodes own: a reply published
        // before any chat node declared it comes back (mandatory) and its request is given back, never acked.
        await CommandTopology.DeclareSharedAsync(requests, stoppingToken).ConfigureAwait(false);
        var queue = await CommandTopology.DeclareBotQueueAsync(requests, Command, stoppingToken).ConfigureAwait(false);
        await requests.BasicQosAsync(0, Prefetch, global: false, stoppingToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(requests);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(requests, delivery, connection.Endpoint, stoppingToken);
        await requests.BasicConsumeAsync(queue, autoAck: false, consumer, stoppingToken).ConfigureAwait(false);
        _consuming = true;
        LogConsuming(logger, queue);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: requests not yet acked go back to the queue.
        }
    }

    private async Task HandleAsync(IChannel requests, BasicDeliverEventArgs delivery, AmqpTcpEndpoint server, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = MessagingTelemetry.StartProcess(BotTelemetry.Source, CommandTopology.BotQueue(Command), delivery, server);
        if (!CommandMessages.TryRead(delivery.Body.Span, out CommandRequest? request) || request.Command != Command)
        {
            LogDeadLettered(logger, delivery.BasicProperties.MessageId);
            span.Fail("rejected", "not a stock request");
            await requests.BasicRejectAsync(delivery.DeliveryTag, requeue: false, stoppingToken).ConfigureAwait(false);
            metrics.Handled("dead_lettered", Stopwatch.GetElapsedTime(started));
            return;
        }

        try
        {
            var outcome = "duplicate";
            if (!_answered.Contains(request.RequestId))
            {
                var text = await quotes.AnswerAsync(request.Argument, stoppingToken).ConfigureAwait(false);
                var reply = new CommandReply(request.RequestId, request.Room, BotName, text);
                // The default exchange, routed by the queue's name: a span named just "send" (the exchange's name is empty).
                using (var publish = MessagingTelemetry.StartSend(BotTelemetry.Source, exchange: string.Empty, CommandTopology.RepliesQueue, reply.RequestId))
                {
                    await replies.PublishAsync(
                        exchange: string.Empty,
                        routingKey: CommandTopology.RepliesQueue,
                        MessageHeaders.ForReply(reply, _brokerUser, publish.Activity),
                        CommandMessages.Serialize(reply),
                        stoppingToken).ConfigureAwait(false);
                }

                _answered.Add(request.RequestId);
                outcome = "answered";
            }

            await requests.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken).ConfigureAwait(false);
            metrics.Handled(outcome, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is BrokerUnavailableException or PublishException)
        {
            // The reply was not confirmed: hand the request back to be answered again, after a pause.
            LogNotAnswered(logger, request.RequestId, exception.Message);
            span.Fail("reply_not_confirmed", "reply not confirmed");
            metrics.Handled("retried", Stopwatch.GetElapsedTime(started));
            await GiveBackAsync(requests, delivery.DeliveryTag).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel itself went away: the broker hands the unacked request out again.
            LogNotAnswered(logger, request.RequestId, exception.Message);
        }
    }

    private async Task GiveBackAsync(IChannel requests, ulong deliveryTag)
    {
        try
        {
            await Task.Delay(RetryDelay).ConfigureAwait(false);
            await requests.BasicNackAsync(deliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel went away too: the broker redelivers the request anyway.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "StockBot consuming {Queue}")]
    private static partial void LogConsuming(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId}: not a stock request")]
    private static partial void LogDeadLettered(ILogger logger, string? messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} not answered yet: {Reason}")]
    private static partial void LogNotAnswered(ILogger logger, string requestId, string reason);
}
