namespace Chattorum.ChatApi;

/// <summary>The <c>Chat</c> settings an operator may change; every other limit is fixed in <see cref="ChatLimits"/>.</summary>
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

    /// <summary>Open chat connections this node takes, on both upgrade paths; past it an upgrade gets 503 with <c>Retry-After</c>.</summary>
    public int MaxConnections { get; set; } = ChatLimits.MaxConnections;

    /// <summary>Serves <c>GET /diagnostics/runtime</c> to callers on this machine (the soak test reads it); off by default.</summary>
    public bool DiagnosticsEndpoint { get; set; }
}
