using RabbitMQ.Client;

namespace Chattorum.StockBot.RateLimits;

/// <summary>
/// The queue a rate-limited request waits in: <c>chattorum.bot.stock.wait</c>, a quorum queue (replicated, durable,
/// every message persisted) into which the bot publishes the request with a per-message TTL (<c>expiration</c>) through
/// the default exchange; when the TTL ends the message is dead-lettered, through the default exchange again, back to
/// the bot's own queue. At-least-once dead-lettering (RabbitMQ 3.10+, quorum queues) keeps a message until the bot
/// queue has it. Nothing consumes the delay queue. RabbitMQ expires messages only at the head of a queue, so the delay
/// queue is strictly first in, first out: a message with a shorter TTL behind a longer one waits for it.
/// </summary>
public static class DelayQueue
{
    /// <summary>The delay queue of a bot queue: <c>chattorum.bot.stock</c> -> <c>chattorum.bot.stock.wait</c> (within the bot's broker rights).</summary>
    public static string Name(string botQueue) => $"{botQueue}.wait";

    public static async Task<string> DeclareAsync(IChannel channel, string botQueue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var queue = Name(botQueue);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = botQueue,

            // The default (at-most-once) drops a message when the bot queue cannot take it; at-least-once needs reject-publish.
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return queue;
    }
}
