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

    /// <summary>
    /// Protocol-level pings: a connection that has received nothing for this long is pinged. 54 s is gorilla/websocket's
    /// chat example's pingPeriod (the design Chattorum descends from): under the 60 s idle timeout common proxies and
    /// load balancers apply, so an idle connection is never cut by one. What an idle connection costs is set by this
    /// and <see cref="KeepAliveTimeout"/>: .NET's WebSocket runs one timer per socket, ticking every
    /// min(interval, timeout) / 4 (at least 1 s), and pings from it. At 20 s / 20 s that was a tick every 5 s per
    /// connection: 800 timer callbacks a second at 4,000 idle connections (the thread pool's completed work items read
    /// 970/s), and the node used 3.4 % of a core (scripts/bench.sh idle-4000 --warmup 60; 1.1 % at 500). At 54 s / 60 s a
    /// socket ticks every 13.5 s: 296 callbacks and about 60 pings a second at 4,000 (BENCHMARKS.md, "Idle connections").
    /// </summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(54);

    /// <summary>
    /// How long a pinged peer has to answer before it is dropped: gorilla/websocket's pongWait. With the interval above a
    /// dead peer is dropped at most interval + timeout + two ticks of 13.5 s after its last frame: 141 s, about two
    /// minutes (docs/protocol.md). A peer that has gone away cleanly (FIN or RST) is seen at once; only a silent one
    /// (a host gone, a cut network) waits for this.
    /// </summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a dead peer can go unnoticed: see <see cref="KeepAliveTimeout"/>.</summary>
    public static TimeSpan DeadPeerBound =>
        KeepAliveInterval + KeepAliveTimeout + (2 * TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Math.Min(KeepAliveInterval.Ticks, KeepAliveTimeout.Ticks) / 4)));

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

    /// <summary>
    /// A node that has not beaten its heartbeat for this long is dead: a survivor sweeps its members out of their
    /// rooms. With the heartbeat below, a dead node's members are gone within TTL + one beat (13 s; the protocol
    /// promises about 15).
    /// </summary>
    public static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(10);

    /// <summary>One heartbeat per node (one Redis script), whatever its number of rooms and members.</summary>
    public static readonly TimeSpan PresenceHeartbeat = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How often the node asks its hubs that had traffic whether they went quiet. Costs no Redis command: a
    /// room is read only once it has been quiet for <see cref="QuietRoomAfter"/>.
    /// </summary>
    public static readonly TimeSpan QuietRoomCheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A room with no live message for this long reads its stream's last id once, to catch a dropped last message
    /// (a gap in the middle is seen at the next message by its predecessor id). Long enough that a message still on
    /// its way over the channel (under a millisecond here) is not mistaken for a dropped one.
    /// </summary>
    public static readonly TimeSpan QuietRoomAfter = TimeSpan.FromSeconds(2);

    /// <summary>How long a bot reply's request id is remembered, so that a redelivered reply is posted once.</summary>
    public static readonly TimeSpan ReplyDedupeWindow = TimeSpan.FromDays(1);

    /// <summary>Commands one user may start in each window, across all nodes and connections.</summary>
    public const int CommandsPerWindow = 5;

    public static readonly TimeSpan CommandWindow = TimeSpan.FromSeconds(10);

    public const int MaxCommandNameLength = 32;
}
