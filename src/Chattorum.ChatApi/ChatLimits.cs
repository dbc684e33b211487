namespace Chattorum.ChatApi;

/// <summary>Every limit the chat server enforces, in one place.</summary>
public static class ChatLimits
{
    /// <summary>
    /// Largest client frame in bytes. 2,000 characters of any script encode to at most 8,000 bytes of
    /// UTF-8, so a valid <c>send</c> always fits; anything larger closes the connection with 1009.
    /// </summary>
    public const int MaxFrameBytes = 8 * 1024;

    /// <summary>Deepest JSON nesting a client frame may have.</summary>
    public const int MaxJsonDepth = 8;

    /// <summary>Frames queued for one client before it counts as a slow consumer and is disconnected.</summary>
    public const int SendQueueCapacity = 256;

    public const int MinTextLength = 1;
    public const int MaxTextLength = 2_000;
    public const int MaxClientIdLength = 64;
    public const int MaxRoomsPerConnection = 32;

    /// <summary>Frames a connection may send in a burst, and the steady rate it earns them back at.</summary>
    public const int RateBurst = 20;
    public const double RatePerSecond = 10;

    /// <summary>Consecutive frames refused by the rate limit before the connection is closed (1008).</summary>
    public const int MaxRateLimitStrikes = 50;

    /// <summary>Protocol-level pings; a peer that misses a pong for the timeout is dropped (under a minute in all).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a closing connection may take to flush its queue and finish the close handshake.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Messages a room's stream keeps (approximately: Redis trims in whole blocks), for history and resume.</summary>
    public const int RoomStreamLength = 1_000;

    /// <summary>Messages a plain <c>join</c> replays before going live.</summary>
    public const int JoinHistoryCount = 50;

    /// <summary>A node's presence entries expire this long after its last heartbeat.</summary>
    public static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan PresenceHeartbeat = TimeSpan.FromSeconds(3);

    /// <summary>
    /// After the Redis connection comes back, hubs catch up from the streams at once and once more after this
    /// long, in case the channel subscription was restored after the first catch-up read.
    /// </summary>
    public static readonly TimeSpan ResyncConfirmDelay = TimeSpan.FromSeconds(2);
}
