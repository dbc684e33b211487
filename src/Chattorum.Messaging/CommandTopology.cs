using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.Messaging;

/// <summary>
/// Where commands and replies travel. Chat nodes publish <c>/name=argument</c> lines to a topic exchange with
/// routing key <c>command.name</c>; each bot binds its own queue for its name and publishes replies to one
/// queue that all chat nodes consume. Whatever cannot be handled goes to the dead-letter queue.
/// Every queue is a durable quorum queue: replicated on a RabbitMQ cluster (a queued command or reply survives the
/// loss of a minority of nodes), and the same type on a single node, so one topology serves both.
/// </summary>
public static class CommandTopology
{
    public const string CommandsExchange = "chattorum.commands";
    public const string RepliesQueue = "chattorum.replies";
    public const string DeadLetterExchange = "chattorum.dead-letter";
    public const string DeadLetterQueue = "chattorum.dead-letter";

    /// <summary>The <c>x-queue-type</c> of every queue.</summary>
    public const string QueueType = "quorum";

    private const ushort PreconditionFailed = 406;

    public static string RoutingKey(string command) => $"command.{command}";

    public static string BotQueue(string command) => $"chattorum.bot.{command}";

    /// <summary>The arguments of a queue whose rejected messages go to the dead-letter exchange.</summary>
    public static Dictionary<string, object?> DeadLetteredQueue() => new()
    {
        ["x-queue-type"] = QueueType,
        ["x-dead-letter-exchange"] = DeadLetterExchange,
    };

    private static Dictionary<string, object?> PlainQueue() => new() { ["x-queue-type"] = QueueType };

    /// <summary>What a chat node publishes to and consumes from, and the dead-letter queue. Idempotent.</summary>
    public static async Task DeclareSharedAsync(IChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await DeclareDeadLetterAsync(channel, cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(CommandsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeclareQueueAsync(channel, RepliesQueue, DeadLetteredQueue(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The dead-letter exchange and its queue.</summary>
    public static async Task DeclareDeadLetterAsync(IChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeclareQueueAsync(channel, DeadLetterQueue, PlainQueue(), cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A bot's durable queue for one command, bound to its routing key, dead-lettering what it rejects.</summary>
    public static async Task<string> DeclareBotQueueAsync(IChannel channel, string command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var queue = BotQueue(command);
        await DeclareQueueAsync(channel, queue, DeadLetteredQueue(), cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, CommandsExchange, RoutingKey(command), cancellationToken: cancellationToken).ConfigureAwait(false);
        return queue;
    }

    /// <summary>
    /// Declares a queue. A queue of the same name declared with other arguments (such as a classic queue left by an
    /// older Chattorum, which had no <c>x-queue-type</c>) makes the broker refuse with 406 and close the channel; the
    /// error then says what to do. Nothing in such a queue is deleted here.
    /// </summary>
    public static async Task DeclareQueueAsync(IChannel channel, string queue, IDictionary<string, object?> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == PreconditionFailed)
        {
            throw new TopologyMismatchException(
                $"RabbitMQ already has a queue '{queue}' declared with other arguments ({exception.ShutdownReason?.ReplyText}). " +
                $"Chattorum's queues are {QueueType} queues: let the queue's consumers drain it, then delete it " +
                $"(rabbitmqctl delete_queue {queue}; locally, scripts/run.sh --fresh starts from empty data), and it is declared again.",
                exception);
        }
    }
}

/// <summary>The broker holds an exchange or queue under one of Chattorum's names with other arguments.</summary>
public sealed class TopologyMismatchException : Exception
{
    public TopologyMismatchException(string message, Exception inner) : base(message, inner)
    {
    }

    public TopologyMismatchException(string message) : base(message)
    {
    }

    public TopologyMismatchException()
    {
    }
}
