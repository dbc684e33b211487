using System.Diagnostics;
using Chattorum.Messaging;
using Chattorum.StockBot.Quotes;
using Chattorum.StockBot.RateLimits;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.StockBot;

/// <summary>
/// Answers <c>/stock=SYMBOL</c>: consumes the bot's own durable queue bound to <c>command.stock</c>, with a
/// bounded prefetch and manual acks sent only after the reply is confirmed by the broker. A message that is
/// not a request is dead-lettered at once; a redelivered request is acked without a second answer. A request the
/// providers cannot answer because they rate-limit us is not answered but republished to the delay queue
/// (<see cref="DelayQueue"/>), and acked once the broker confirmed it there; it comes back when the limit clears
/// (docs/stockbot.md).
/// </summary>
public sealed partial class StockCommandConsumer(
    BrokerConnection broker,
    ConfirmingPublisher replies,
    IStockQuotes quotes,
    BotMetrics metrics,
    IConfiguration configuration,
    TimeProvider time,
    IOptions<QuotesOptions> options,
    ILogger<StockCommandConsumer> logger) : BackgroundService
{
    public const string Command = "stock";

    /// <summary>The reserved name the answers are posted under.</summary>
    public const string BotName = "StockBot";

    private const ushort Prefetch = 8;
    private const ushort Concurrency = 4;
    private const int RememberedAnswers = 10_000;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The id a request's rate-limit notice is posted under: the chat posts each id once, and the answer keeps the request's own.</summary>
    public const string NoticeSuffix = ".notice";

    private readonly AnsweredRequests _answered = new(RememberedAnswers);

    /// <summary>The bot's broker user, put in each reply's <c>user-id</c>: the chat posts only under the name it vouches for.</summary>
    private readonly string _brokerUser = BrokerUserName.From(configuration) ?? BrokerUserName.ClientDefault;
    private readonly RoomWaits _rooms = new(time);
    private readonly RoomOrder _order = new(Concurrency);
    private readonly QuoteRateLimitOptions _rateLimit = options.Value.RateLimit;
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
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: 1),
            stoppingToken).ConfigureAwait(false);
        // What the bot's broker user may declare; not the replies queue, which the chat nodes own: a reply published
        // before any chat node declared it comes back (mandatory) and its request is given back, never acked.
        await CommandTopology.DeclareSharedAsync(requests, stoppingToken).ConfigureAwait(false);
        var queue = await CommandTopology.DeclareBotQueueAsync(requests, Command, stoppingToken).ConfigureAwait(false);
        await DelayQueue.DeclareAsync(requests, queue, stoppingToken).ConfigureAwait(false);
        await requests.BasicQosAsync(0, Prefetch, global: false, stoppingToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(requests);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            // One dispatcher hands requests over in delivery order; RoomOrder runs them one at a time per room and
            // Concurrency rooms at once. The body is copied: the client reuses its buffer once this returns.
            // The library's delivery span, made conventional, is current here and stays the parent of the work below
            // (the execution context flows into RoomOrder); it ends when this hand-over returns.
            using (MessagingTelemetry.StartProcess(BotTelemetry.Source, queue, delivery, connection.Endpoint))
            {
                var tag = delivery.DeliveryTag;
                var properties = new BasicProperties(delivery.BasicProperties);
                var body = delivery.Body.ToArray();
                _ = _order.Run(MessageHeaders.GetString(properties, MessageHeaders.Room) ?? string.Empty, () => HandleSafelyAsync(requests, tag, properties, body, stoppingToken));
            }

            return Task.CompletedTask;
        };
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

        // Let work in flight end (cancelled by stoppingToken) before the channel it acks on goes.
        await _order.DrainAsync().WaitAsync(ConfirmingPublisher.ConfirmTimeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task HandleSafelyAsync(IChannel requests, ulong deliveryTag, IReadOnlyBasicProperties properties, byte[] body, CancellationToken stoppingToken)
    {
        try
        {
            await HandleAsync(requests, deliveryTag, properties, body, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the unacked request goes back to the queue.
        }
        catch (ObjectDisposedException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the channel is gone; the broker redelivers the request.
        }
    }

    private async Task HandleAsync(IChannel requests, ulong deliveryTag, IReadOnlyBasicProperties properties, byte[] body, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var span = Activity.Current;
        if (!CommandMessages.TryRead(body, out CommandRequest? request) || request.Command != Command)
        {
            LogDeadLettered(logger, properties.MessageId);
            span?.SetStatus(ActivityStatusCode.Error, "not a stock request");
            await requests.BasicRejectAsync(deliveryTag, requeue: false, stoppingToken).ConfigureAwait(false);
            metrics.Handled("dead_lettered", Stopwatch.GetElapsedTime(started));
            return;
        }

        var waited = WaitState.Read(properties);
        if (waited is not null)
        {
            // Back from the delay queue (on this replica or another): it no longer holds its room up.
            _rooms.Returned(request.Room);
        }

        try
        {
            var outcome = "duplicate";
            if (!_answered.Contains(request.RequestId))
            {
                var answer = waited is null && _rooms.IsWaiting(request.Room, out var dueBack)
                    ? StockAnswer.RateLimited(dueBack) // older requests of this room wait: go behind them, not ahead
                    : await quotes.AskAsync(request.Argument, stoppingToken).ConfigureAwait(false);
                var text = answer.Text;
                if (answer.RateLimitedUntil is { } until)
                {
                    var decision = WaitRules.Decide(time.GetUtcNow(), until, waited, _rateLimit);
                    if (!decision.GiveUp)
                    {
                        await WaitAsync(request, properties, decision, stoppingToken).ConfigureAwait(false);
                        await requests.BasicAckAsync(deliveryTag, multiple: false, stoppingToken).ConfigureAwait(false);
                        metrics.Handled("deferred", Stopwatch.GetElapsedTime(started));
                        return;
                    }

                    LogGaveUp(logger, request.RequestId, decision.Waited);
                    text = QuoteReplies.GaveUp(request.Argument, decision.Waited);
                    outcome = "gave_up";
                }

                await ReplyAsync(new CommandReply(request.RequestId, request.Room, BotName, text), stoppingToken).ConfigureAwait(false);
                _answered.Add(request.RequestId);
                outcome = outcome == "gave_up" ? outcome : "answered";
            }

            await requests.BasicAckAsync(deliveryTag, multiple: false, stoppingToken).ConfigureAwait(false);
            metrics.Handled(outcome, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception exception) when (exception is BrokerUnavailableException or PublishException)
        {
            // The reply was not confirmed: hand the request back to be answered again, after a pause.
            LogNotAnswered(logger, request.RequestId, exception.Message);
            span?.SetStatus(ActivityStatusCode.Error, "reply not confirmed");
            span?.SetTag("error.type", "reply_not_confirmed");
            metrics.Handled("retried", Stopwatch.GetElapsedTime(started));
            await GiveBackAsync(requests, deliveryTag).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // The channel itself went away: the broker hands the unacked request out again.
            LogNotAnswered(logger, request.RequestId, exception.Message);
        }
    }

    private async Task ReplyAsync(CommandReply reply, CancellationToken stoppingToken)
    {
        // The default exchange, routed by the queue's name: a span named just "send" (the exchange's name is empty).
        using var publish = MessagingTelemetry.StartSend(BotTelemetry.Source, exchange: string.Empty, CommandTopology.RepliesQueue, reply.RequestId);
        await replies.PublishAsync(
            exchange: string.Empty,
            routingKey: CommandTopology.RepliesQueue,
            MessageHeaders.ForReply(reply, _brokerUser, publish.Activity),
            CommandMessages.Serialize(reply),
            stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The notice first (if due; under its own id, so the chat posts it once however often this runs), then the request
    /// itself into the delay queue: same body, same headers (trace context included) plus its wait state, persistent,
    /// with the delay as its TTL. Throws when the broker did not confirm; the caller then gives the request back.
    /// </summary>
    private async Task WaitAsync(CommandRequest request, IReadOnlyBasicProperties original, WaitDecision decision, CancellationToken stoppingToken)
    {
        if (decision.SendNotice)
        {
            await ReplyAsync(
                new CommandReply(request.RequestId + NoticeSuffix, request.Room, BotName, QuoteReplies.RateLimitNotice(request.Argument, decision.Delay)),
                stoppingToken).ConfigureAwait(false);
        }

        var properties = MessageHeaders.ForRequest(request, activity: null);
        if (original.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                if (!name.StartsWith("x-", StringComparison.Ordinal))
                {
                    // RabbitMQ's own x-death and x-first-death-* stay behind: the wait state says what the bot needs.
                    properties.Headers![name] = value;
                }
            }
        }

        decision.Next.Write(properties.Headers!);
        properties.Expiration = WaitRules.Expiration(decision.Delay);
        var queue = DelayQueue.Name(CommandTopology.BotQueue(Command));
        using (MessagingTelemetry.StartSend(BotTelemetry.Source, exchange: string.Empty, queue, request.RequestId))
        {
            await replies.PublishAsync(string.Empty, queue, properties, CommandMessages.Serialize(request), stoppingToken).ConfigureAwait(false);
        }

        _rooms.Deferred(request.Room, time.GetUtcNow() + decision.Delay);
        LogWaiting(logger, request.RequestId, decision.Delay, decision.Next.Waits);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} waits {Delay} for a rate limit to clear (wait {Waits})")]
    private static partial void LogWaiting(ILogger logger, string requestId, TimeSpan delay, int waits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} gave up after waiting {Waited} for a rate limit")]
    private static partial void LogGaveUp(ILogger logger, string requestId, TimeSpan waited);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} not answered yet: {Reason}")]
    private static partial void LogNotAnswered(ILogger logger, string requestId, string reason);
}
