namespace Chattorum.ChatApi.Protocol;

/// <summary>The <c>code</c> values of <c>error</c> frames (see docs/protocol.md).</summary>
public static class ErrorCodes
{
    public const string BadJson = "bad_json";
    public const string BadFrame = "bad_frame";
    public const string UnknownType = "unknown_type";
    public const string BadRoom = "bad_room";
    public const string BadText = "bad_text";
    public const string NotInRoom = "not_in_room";
    public const string AlreadyInRoom = "already_in_room";
    public const string TooManyRooms = "too_many_rooms";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string BadCommand = "bad_command";
    public const string UnknownCommand = "unknown_command";
    public const string BotUnreachable = "bot_unreachable";

    /// <summary>The node was behind for longer than a send may wait: the message was not stored.</summary>
    public const string Busy = "busy";

    /// <summary>
    /// The message was stored and shown to the room (its id is in the error) but fewer of its Redis primary's replicas
    /// than required confirmed it in time: it is not acked, and may be lost if that primary fails now.
    /// </summary>
    public const string Unconfirmed = "unconfirmed";
}
