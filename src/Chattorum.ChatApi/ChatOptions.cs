namespace Chattorum.ChatApi;

/// <summary>
/// The <c>Chat</c> settings an operator may change, bound once at start-up and checked by
/// <see cref="ChatOptionsValidator"/>; their defaults and ranges, and every other limit, are in <see cref="ChatLimits"/>.
/// Times are whole milliseconds, like <see cref="ReplicaAckTimeoutMilliseconds"/>: a bare number is never read as days.
/// </summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>Origins, besides the server's own, whose pages may open a WebSocket (e.g. <c>https://chat.example.com</c>).</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Frames one connection may send a second, on average (a deployment for bots or load tests raises it).</summary>
    public double RatePerSecond { get; set; } = ChatLimits.RatePerSecond;

    /// <summary>Frames one connection may send in a burst.</summary>
    public int RateBurst { get; set; } = ChatLimits.RateBurst;

    /// <summary>
    /// Replicas that must hold a message before it is acked: <c>auto</c> (one when the room's Redis primary has a
    /// replica connected, none otherwise), a number, or <c>0</c> (never wait). See <see cref="Backplane.ReplicaAcks"/>.
    /// </summary>
    public string ReplicaAcks { get; set; } = Backplane.ReplicaAcks.AutoSetting;

    /// <summary>How long a send waits for its replicas before it is answered <c>unconfirmed</c>.</summary>
    public int ReplicaAckTimeoutMilliseconds { get; set; } = (int)ChatLimits.ReplicaAckTimeout.TotalMilliseconds;

    /// <summary><see cref="ReplicaAcks"/>, parsed (validated at start-up).</summary>
    public Backplane.ReplicaAcks ReplicaAcksSetting => Backplane.ReplicaAcks.TryParse(ReplicaAcks, out var acks) ? acks : Backplane.ReplicaAcks.Default;

    /// <summary>
    /// Upgrades a connection whose first request is <c>GET /ws</c> below Kestrel's HTTP layer (<see cref="Upgrade.ChatListener"/>),
    /// which saves about 8 KB per connection; on by default. Off, every upgrade goes through Kestrel's HTTP pipeline,
    /// with its request logging, metrics, traces and any HTTP middleware (see docs/architecture.md).
    /// </summary>
    public bool UpgradeBelowHttp { get; set; } = true;

    /// <summary>
    /// Longest text, in characters, a client may send; at most <see cref="ChatLimits.MaxTextLength"/>, which the frame
    /// size is computed for. Bots' replies keep that limit.
    /// </summary>
    public int MaxTextLength { get; set; } = ChatLimits.MaxTextLength;

    /// <summary>Rooms one connection may be in at once; a join past it is answered <c>too_many_rooms</c>.</summary>
    public int MaxRoomsPerConnection { get; set; } = ChatLimits.MaxRoomsPerConnection;

    /// <summary>Messages a plain <c>join</c> replays before going live (at most <see cref="RoomStreamLength"/>).</summary>
    public int JoinHistoryCount { get; set; } = ChatLimits.JoinHistoryCount;

    /// <summary>Messages a room's stream keeps (approximately), for history and resume.</summary>
    public int RoomStreamLength { get; set; } = ChatLimits.RoomStreamLength;

    /// <summary>Commands one user may start in each command window, across all nodes and connections.</summary>
    public int CommandsPerWindow { get; set; } = ChatLimits.CommandsPerWindow;

    /// <summary>The command window.</summary>
    public int CommandWindowMilliseconds { get; set; } = (int)ChatLimits.CommandWindow.TotalMilliseconds;

    /// <summary>How long a node may go without a heartbeat before the others take it for dead and sweep its members out of their rooms.</summary>
    public int PresenceTtlMilliseconds { get; set; } = (int)ChatLimits.PresenceTtl.TotalMilliseconds;

    /// <summary>How often a node beats its heartbeat (at most a third of <see cref="PresenceTtlMilliseconds"/>).</summary>
    public int PresenceHeartbeatMilliseconds { get; set; } = (int)ChatLimits.PresenceHeartbeat.TotalMilliseconds;

    /// <summary>Open chat connections this node takes, on both upgrade paths; past it an upgrade gets 503 with <c>Retry-After</c>.</summary>
    public int MaxConnections { get; set; } = ChatLimits.MaxConnections;

    /// <summary>Serves <c>GET /diagnostics/runtime</c> to callers on this machine (the soak test reads it); off by default.</summary>
    public bool DiagnosticsEndpoint { get; set; }
}
