using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;
using Chattorum.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chattorum.ChatApi.Commands;

/// <summary>
/// Consumes bots' replies from the one replies queue, competing with the other chat nodes, and posts each
/// into its room through Redis, so that the clients of every node see it in the room's order. A reply is
/// acked only once it is stored; one that can never be posted is dead-lettered.
/// </summary>
public sealed partial class ReplyConsumer(BrokerConnection broker, IRoomBackplane backplane, ChatMetrics metrics, ILogger<ReplyConsumer> logger) : BackgroundService
{
    private const ushort Prefetch = 32;
    private static readonly TimeSpan RedisRetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await broker.WaitConnectedAsync(stoppingToken).ConfigureAwait(false) is not { } connection)
        {
            return;
        }

        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
        await CommandTopology.DeclareSharedAsync(channel, stoppingToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, Prefetch, global: false, stoppingToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, connection.Endpoint);
        await channel.BasicConsumeAsync(CommandTopology.RepliesQueue, autoAck: false, consumer, stoppingToken).ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: unacked replies go back to the queue for the other nodes.
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, AmqpTcpEndpoint server)
    {
        using var span = MessagingTelemetry.StartProcess(ChatTelemetry.Source, CommandTopology.RepliesQueue, delivery, server);
        var problem = CommandMessages.TryRead(delivery.Body.Span, out CommandReply? reply) ? Problem(reply) : "not a reply";
        if (reply is null || problem is not null)
        {
            LogRejected(logger, delivery.BasicProperties.MessageId, problem ?? "not a reply");
            span.Fail("rejected", problem ?? "not a reply");
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false).ConfigureAwait(false);
            return;
        }

        try
        {
            await backplane.PublishOnceAsync(reply.Room, reply.Bot, reply.Text, reply.RequestId).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            metrics.ReplyPosted(reply.Bot);
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            // Redis is away: give the reply back, after a pause rather than in a tight loop.
            LogRedisUnavailable(logger, reply.RequestId, exception.Message);
            span.Fail("redis_unavailable", "Redis unavailable");
            await Task.Delay(RedisRetryDelay).ConfigureAwait(false);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
    }

    /// <summary>Only bots post replies, under reserved names, into valid rooms, with valid text.</summary>
    private static string? Problem(CommandReply reply)
    {
        if (!Validation.IsValidRoomName(reply.Room))
        {
            return "bad room";
        }

        if (!Validation.IsValidUserName(reply.Bot) || !AccountRules.IsReserved(reply.Bot))
        {
            return "the sender is not a bot name";
        }

        return Validation.TryValidateText(reply.Text, out var problem) ? null : problem;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered reply {MessageId}: {Problem}")]
    private static partial void LogRejected(ILogger logger, string? messageId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply {RequestId} requeued, Redis unavailable: {Reason}")]
    private static partial void LogRedisUnavailable(ILogger logger, string requestId, string reason);
}
