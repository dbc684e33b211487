using RabbitMQ.Client;

namespace Chattorum.Messaging;

/// <summary>
/// Where commands and replies travel. Chat nodes publish <c>/name=argument</c> lines to a topic exchange with
/// routing key <c>command.name</c>; each bot binds its own queue for its name and publishes replies to one
/// queue that all chat nodes consume. Whatever cannot be handled goes to the dead-letter queue.
/// </summary>
public static class CommandTopology
{
    public const string CommandsExchange = "chattorum.commands";
    public const string RepliesQueue = "chattorum.replies";
    public const string DeadLetterExchange = "chattorum.dead-letter";
    public const string DeadLetterQueue = "chattorum.dead-letter";

    public static string RoutingKey(string command) => $"command.{command}";

    public static string BotQueue(string command) => $"chattorum.bot.{command}";

    private static Dictionary<string, object?> DeadLettered() => new() { ["x-dead-letter-exchange"] = DeadLetterExchange };

    /// <summary>
    /// The exchanges and queue every party (chat node or bot) may declare and shares: the dead-letter exchange and
    /// queue and the commands exchange. Idempotent: each declares them on connecting. The replies queue is not here:
    /// a bot's broker user may not declare it (<see cref="DeclareRepliesAsync"/>, chat nodes only).
    /// </summary>
    public static async Task DeclareSharedAsync(IChannel channel, CancellationToken cancellationToken = default)
    {
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(CommandsExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The replies queue all chat nodes consume, dead-lettering what they refuse. Chat nodes declare it.</summary>
    public static async Task DeclareRepliesAsync(IChannel channel, CancellationToken cancellationToken = default)
    {
        await channel.QueueDeclareAsync(RepliesQueue, durable: true, exclusive: false, autoDelete: false, arguments: DeadLettered(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A bot's durable queue for one command, bound to its routing key, dead-lettering what it rejects.</summary>
    public static async Task<string> DeclareBotQueueAsync(IChannel channel, string command, CancellationToken cancellationToken = default)
    {
        var queue = BotQueue(command);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: DeadLettered(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, CommandsExchange, RoutingKey(command), cancellationToken: cancellationToken).ConfigureAwait(false);
        return queue;
    }
}
