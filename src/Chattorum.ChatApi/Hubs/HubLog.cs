using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>What the room hubs log.</summary>
internal static partial class HubLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Hub command {Kind} failed in room {Room}")]
    public static partial void CommandFailed(ILogger logger, Exception exception, HubCommandKind kind, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} could not start (subscription or presence): {Reason}")]
    public static partial void SubscribeFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} could not unsubscribe: {Reason}")]
    public static partial void UnsubscribeFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: a join could not read the history: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: the channel skipped from {Last} to after {Previous}; reading the stream")]
    public static partial void Gap(ILogger logger, string room, string last, string previous);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} went quiet at {Last} but its stream ends at {Tail}; reading the stream")]
    public static partial void QuietTailMissed(ILogger logger, string room, string tail, string last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: the channel missed {Count} messages; they were read from the stream")]
    public static partial void ChannelMissed(ILogger logger, string room, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: catching up ({Reason}) failed: {Error}")]
    public static partial void CatchUpFailed(ILogger logger, string room, CatchUpReason reason, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed in room {Room}: {Reason}")]
    public static partial void PresenceCallFailed(ILogger logger, string what, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: presence calls before retiring failed: {Reason}")]
    public static partial void CloseFailed(ILogger logger, string room, string reason);
}
