using Chattorum.ChatApi.Backplane;
using Chattorum.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.ChatApi.Commands;

/// <summary>
/// Consumes bots' replies from the one replies queue, competing with the other chat nodes, and posts each
/// into its room through Redis, so that the clients of every node see it in the room's order. A reply is
/// acked only once it is stored. One that breaks a rule (<see cref="ReplyRules"/>) is never posted: it is
/// dead-lettered with the reason in a <c>chattorum-refused</c> header, logged and counted, and when an authenticated
/// bot's text broke a rule the room gets a notice naming the bot and the rule, so that breaking it is not silent.
/// </summary>
public sealed partial class ReplyConsumer(
    BrokerConnection broker,
    ConfirmingPublisher publisher,
    IRoomBackplane backplane,
    ChatMetrics metrics,
    ILogger<ReplyConsumer> logger) : BackgroundService
{
    /// <summary>The header a refused reply is dead-lettered with: why it was not posted.</summary>
    public const string RefusedHeader = "chattorum-refused";

    /// <summary>The refused reply's <c>user-id</c>, kept in a header: the chat node cannot republish it under another user.</summary>
    public const string RefusedUserIdHeader = "chattorum-refused-user-id";

    private const ushort Prefetch = 32;
    private static readonly TimeSpan RedisRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SetupRetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await broker.WaitConnectedAsync(stoppingToken).ConfigureAwait(false) is not { } connection)
        {
            return;
        }

        // Until the consumer is set up: a broker that fails a step (a quorum queue not ready yet on a busy node answers
        // 541) must not stop the node, whose chat goes on without bots; once consuming, the client library recovers it.
        IChannel? channel = null;
        while (channel is null)
        {
            try
            {
                channel = await StartConsumingAsync(connection, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationInterruptedException or AlreadyClosedException or IOException or TimeoutException
                && !stoppingToken.IsCancellationRequested)
            {
                LogSetupFailed(logger, exception.Message);
                try
                {
                    await Task.Delay(SetupRetryDelay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        await using (channel)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping: unacked replies go back to the queue for the other nodes.
            }
        }
    }

    private async Task<IChannel> StartConsumingAsync(IConnection connection, CancellationToken stoppingToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        try
        {
            await CommandTopology.DeclareChatNodeAsync(channel, stoppingToken).ConfigureAwait(false);
            await channel.BasicQosAsync(0, Prefetch, global: false, stoppingToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, connection.Endpoint);
            await channel.BasicConsumeAsync(CommandTopology.RepliesQueue, autoAck: false, consumer, stoppingToken).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, AmqpTcpEndpoint server)
    {
        using var span = MessagingTelemetry.StartProcess(ChatTelemetry.Source, CommandTopology.RepliesQueue, delivery, server);
        var reply = CommandMessages.TryRead(delivery.Body.Span, out CommandReply? read) ? read : null;
        var verdict = ReplyRules.Check(reply, delivery.BasicProperties.UserId);
        try
        {
            if (verdict.IsAccepted)
            {
                await backplane.PublishOnceAsync(reply!.Room, reply.Bot, reply.Text, reply.RequestId).ConfigureAwait(false);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
                metrics.ReplyPosted(reply.Bot);
                return;
            }

            LogRefused(logger, delivery.BasicProperties.MessageId, delivery.BasicProperties.UserId, verdict.Problem!);
            span.Fail("refused", verdict.Problem!);
            if (verdict.TellsTheRoom)
            {
                // Once per request, under its own key: a redelivery does not repeat it, a later valid answer still posts.
                await backplane.PublishOnceAsync(reply!.Room, ReplyRules.SystemUser, ReplyRules.Notice(reply.Bot, verdict.Problem), $"refused:{reply.RequestId}").ConfigureAwait(false);
            }

            await DeadLetterAsync(channel, delivery, verdict.Problem!).ConfigureAwait(false);
            metrics.ReplyRefused(verdict.Reason);
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            // Redis is away: give the reply back, after a pause rather than in a tight loop.
            LogRedisUnavailable(logger, reply!.RequestId, exception.Message);
            span.Fail("redis_unavailable", "Redis unavailable");
            await Task.Delay(RedisRetryDelay).ConfigureAwait(false);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Republishes the refused reply to the dead-letter exchange with the reason, then acks it; if that publish is not
    /// confirmed, rejects it instead: the queue's own dead-lettering keeps it, without the reason.
    /// </summary>
    private async Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs delivery, string problem)
    {
        var properties = new BasicProperties(delivery.BasicProperties)
        {
            // The broker would refuse (406) a chat node's publish that names another user.
            UserId = null,
            Headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers ?? new Dictionary<string, object?>()),
        };
        properties.Headers[RefusedHeader] = problem;
        if (delivery.BasicProperties.UserId is { } userId)
        {
            properties.Headers[RefusedUserIdHeader] = userId;
        }

        try
        {
            await publisher.PublishAsync(CommandTopology.DeadLetterExchange, delivery.RoutingKey, properties, delivery.Body, CancellationToken.None).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is BrokerUnavailableException or PublishException)
        {
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered reply {MessageId} (user-id {UserId}): {Problem}")]
    private static partial void LogRefused(ILogger logger, string? messageId, string? userId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming the replies queue failed ({Reason}); retrying")]
    private static partial void LogSetupFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply {RequestId} requeued, Redis unavailable: {Reason}")]
    private static partial void LogRedisUnavailable(ILogger logger, string requestId, string reason);
}
