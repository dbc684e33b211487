using System.Diagnostics.CodeAnalysis;
using Chattorum.ChatApi.Protocol;
using Chattorum.Messaging;

namespace Chattorum.ChatApi.Commands;

/// <summary>Why a reply was not posted; <see cref="None"/> when it was accepted.</summary>
public enum ReplyRefusal
{
    None,

    /// <summary>The body is not JSON with every reply field.</summary>
    NotAReply,

    /// <summary>No <c>user-id</c> property, or it is not the reply's bot name: nobody vouches for the sender.</summary>
    Unauthenticated,

    /// <summary>The bot name is not a bot's (3 to 24 of A-Z, a-z, 0-9, '_', ending in "bot").</summary>
    BotName,

    /// <summary>The room is not a valid room name.</summary>
    Room,

    /// <summary>The text breaks a rule of chat text (empty, too long, control characters such as <c>\r</c>).</summary>
    Text,
}

/// <summary>The verdict on one reply: accepted, or refused with a reason a person can read.</summary>
public readonly record struct ReplyVerdict(ReplyRefusal Refusal, string? Problem)
{
    public static ReplyVerdict Accepted { get; } = new(ReplyRefusal.None, null);

    public bool IsAccepted => Refusal == ReplyRefusal.None;

    /// <summary>
    /// The room is told when a bot whose identity the broker vouched for broke a content rule: the people who asked
    /// see why no answer comes, and the bot's author sees it in the room. Nobody else can make the chat post a notice.
    /// </summary>
    public bool TellsTheRoom => Refusal == ReplyRefusal.Text;

    /// <summary>The tag value for the refused-replies metric.</summary>
    public string Reason => Refusal switch
    {
        ReplyRefusal.NotAReply => "not_a_reply",
        ReplyRefusal.Unauthenticated => "unauthenticated",
        ReplyRefusal.BotName => "bot_name",
        ReplyRefusal.Room => "room",
        ReplyRefusal.Text => "text",
        _ => "none",
    };
}

/// <summary>
/// What a bot's reply must be to be posted. Bots are trusted by their broker credentials: RabbitMQ refuses a publish
/// whose <c>user-id</c> property differs from the connection's user, so a <c>user-id</c> equal to the bot name
/// (ignoring case: user <c>stockbot</c> posts as <c>StockBot</c>) proves the sender is that bot's broker user.
/// </summary>
public static class ReplyRules
{
    /// <summary>Every bot name ends with this (ignoring case); such names are reserved, nobody can register one.</summary>
    public const string BotSuffix = "bot";

    /// <summary>The name the chat's own notices are posted under (reserved, see <c>AccountRules</c>).</summary>
    public const string SystemUser = "system";

    public static bool IsBotName([NotNullWhen(true)] string? name) =>
        Validation.IsValidUserName(name) && name.EndsWith(BotSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks <paramref name="reply"/> (null when its body could not be read) sent with <paramref name="userId"/>.</summary>
    public static ReplyVerdict Check(CommandReply? reply, string? userId)
    {
        if (reply is null)
        {
            return new(ReplyRefusal.NotAReply, "not a reply: JSON with requestId, room, bot and text");
        }

        if (string.IsNullOrEmpty(userId))
        {
            return new(ReplyRefusal.Unauthenticated, "no user-id property");
        }

        if (!string.Equals(userId, reply.Bot, StringComparison.OrdinalIgnoreCase))
        {
            return new(ReplyRefusal.Unauthenticated, "the user-id is not the bot name");
        }

        if (!IsBotName(reply.Bot))
        {
            return new(ReplyRefusal.BotName, "the bot name is not 3 to 24 of A-Z, a-z, 0-9 and '_' ending in \"bot\"");
        }

        if (!Validation.IsValidRoomName(reply.Room))
        {
            return new(ReplyRefusal.Room, "the room is not a valid room name");
        }

        return Validation.TryValidateText(reply.Text, out var problem) ? ReplyVerdict.Accepted : new(ReplyRefusal.Text, problem);
    }

    /// <summary>The room's notice that <paramref name="bot"/>'s answer was refused, and why.</summary>
    public static string Notice(string bot, string? problem) => $"{bot}'s answer was not posted: {problem}.";
}
