using System.Text.RegularExpressions;

namespace Chattorum.Messaging;

/// <summary>One broker user's rights on the virtual host: three regular expressions over exchange and queue names.</summary>
public sealed record BrokerPermissions(string Configure, string Write, string Read);

/// <summary>
/// Who may do what on the broker. Bots are trusted by their broker credentials: each bot connects as its own user,
/// named after the bot (<c>stockbot</c> for <c>StockBot</c>), whose rights cover its own queues and what it must
/// declare, and nothing else; its replies carry that user in the <c>user-id</c> property, which RabbitMQ checks
/// against the connection, and the chat posts a reply only under the bot name the user-id names. Chat nodes have a
/// user of their own that may publish commands and consume replies but cannot take a bot's requests.
/// </summary>
/// <remarks>
/// What each right is needed for (RabbitMQ's access control table): declaring a queue or exchange needs configure on
/// it (and, with a dead-letter exchange, write on that exchange and read on the queue); binding needs write on the
/// queue and read on the exchange; publishing needs write on the exchange (<c>amq.default</c> for the default one);
/// consuming needs read on the queue. A passive declare needs nothing.
/// </remarks>
public static class BrokerAccess
{
    /// <summary>The broker user chat nodes connect as.</summary>
    public const string ChatUser = "chattorum";

    /// <summary>
    /// Chat nodes: declare the commands exchange, the replies queue and the dead-letter exchange and queue; publish
    /// commands; consume replies.
    /// </summary>
    public static BrokerPermissions ChatNodes { get; } = new(
        Configure: @"^chattorum\.(commands|replies|dead-letter)$",
        Write: @"^chattorum\.(commands|replies|dead-letter)$",
        Read: @"^chattorum\.(replies|dead-letter)$");

    /// <summary>The broker user of the bot that answers <paramref name="command"/>: <c>stockbot</c> for <c>stock</c>.</summary>
    public static string BotUser(string command) => $"{command}bot";

    /// <summary>
    /// A bot: declare and consume its own queues (<c>chattorum.bot.NAME</c> and any <c>chattorum.bot.NAME.*</c>, such as a
    /// delay queue), bind them to the commands exchange, declare the commands and dead-letter exchanges and the
    /// dead-letter queue, and publish through the default exchange (its replies, and its own retries). It can read no
    /// other bot's queue and no reply.
    /// </summary>
    public static BrokerPermissions Bot(string command)
    {
        var own = $@"bot\.{Regex.Escape(command)}(\..+)?";
        return new(
            Configure: $@"^chattorum\.(commands|dead-letter|{own})$",
            Write: $@"^(amq\.default|chattorum\.(dead-letter|{own}))$",
            Read: $@"^chattorum\.(commands|dead-letter|{own})$");
    }
}
