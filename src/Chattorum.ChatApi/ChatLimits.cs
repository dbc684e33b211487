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

    /// <summary>
    /// Frames queued for one client before it counts as a slow consumer and is disconnected. A busy room sends a
    /// client thousands of messages a second, and its writer joins what is queued into one write; 1,024 frames
    /// lets a healthy client ride out a pause of a few hundred milliseconds (a GC, a busy core), where 256 dropped
    /// receivers that were keeping up (BENCHMARKS.md). A full queue holds references to shared frames: 16 KiB.
    /// </summary>
    public const int SendQueueCapacity = 1_024;

    /// <summary>
    /// Largest WebSocket frame the server writes by joining queued frames (with newlines); a single frame larger
    /// than this goes out on its own.
    /// </summary>
    public const int MaxBatchBytes = 32 * 1024;

    /// <summary>
    /// Commands a room's hub handles in a row before it lets other work run: after a backlog (a pause, a burst
    /// from Redis) each member's writer drains between bursts, so no queue takes the whole backlog at once.
    /// </summary>
    public const int HubBurst = 64;

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

    /// <summary>Largest request head an upgrade below the HTTP layer reads (431 beyond): a token and the usual headers take under 2 KiB.</summary>
    public const int MaxUpgradeHeadBytes = 8 * 1024;

    /// <summary>How long a new connection may take to send the head of its first request before it is dropped.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

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
    /// Pub/sub delivers at most once: every hub also reads its stream past its members' cursors this often
    /// (and at once after a reconnection), so a message the channel dropped arrives late rather than never.
    /// </summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(3);

    /// <summary>How long a bot reply's request id is remembered, so that a redelivered reply is posted once.</summary>
    public static readonly TimeSpan ReplyDedupeWindow = TimeSpan.FromDays(1);

    /// <summary>Commands one user may start in each window, across all nodes and connections.</summary>
    public const int CommandsPerWindow = 5;

    public static readonly TimeSpan CommandWindow = TimeSpan.FromSeconds(10);

    public const int MaxCommandNameLength = 32;
}
