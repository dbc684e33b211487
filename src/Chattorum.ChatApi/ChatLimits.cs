namespace Chattorum.ChatApi;

/// <summary>
/// Every limit the chat server enforces, in one place: the fixed ones, and the defaults and ranges of those an operator
/// may set in the <c>Chat</c> section (<see cref="ChatOptions"/>, checked at start-up by <see cref="ChatOptionsValidator"/>).
/// </summary>
public static class ChatLimits
{
    /// <summary>
    /// Largest client frame in bytes: the largest valid <c>send</c> in its longest JSON spelling
    /// (<see cref="MaxSendJsonBytes"/>, 24,715 bytes) and <see cref="FrameWhitespaceAllowance"/>, 25,739 bytes. So a
    /// valid <c>send</c> always fits, however a JSON library writes it; a frame over this closes the connection with
    /// 1009. The text limit is on the decoded text (<see cref="MaxTextLength"/> characters): a longer text that fits in
    /// a frame is answered <c>bad_text</c>, the connection stays.
    /// </summary>
    public const int MaxFrameBytes = MaxSendJsonBytes + FrameWhitespaceAllowance;

    /// <summary>
    /// Bytes of one UTF-16 code unit written as a JSON escape, <c>\uXXXX</c>: the longest way JSON can spell a character
    /// (Python's <c>json.dumps</c> writes every non-ASCII character so; a character outside the BMP, an emoji, takes
    /// two, a surrogate pair, 12 bytes). UTF-8 takes at most 4 bytes per character, 3 per UTF-16 unit.
    /// </summary>
    public const int JsonEscapeBytes = 6;

    /// <summary>Longest room name (<c>^[a-z0-9][a-z0-9_-]{0,31}$</c>, see <see cref="Protocol.Validation"/>).</summary>
    public const int MaxRoomNameLength = 32;

    /// <summary>
    /// The largest valid <c>send</c>, <c>{"type":"send","room":"…","text":"…","cid":"…"}</c>, with every character of
    /// every property name and value written as <c>\uXXXX</c> (<see cref="JsonEscapeBytes"/> each): the names
    /// <c>type</c>, <c>room</c>, <c>text</c>, <c>cid</c> (15 units), the value <c>send</c> (4), a room of
    /// <see cref="MaxRoomNameLength"/> (32), a text of <see cref="MaxTextLength"/> characters all outside the BMP
    /// (4,000 units) and a <c>cid</c> of <see cref="MaxClientIdLength"/> units (64): 4,115 units, 24,690 bytes; and the
    /// 25 bytes of braces, quotes, colons and commas. 24,715 bytes. Properties a server ignores (unknown ones,
    /// <c>since</c> on a send) are not part of a send.
    /// </summary>
    public const int MaxSendJsonBytes =
        (JsonEscapeBytes * (15 + 4 + MaxRoomNameLength + (2 * MaxTextLength) + MaxClientIdLength)) + SendJsonPunctuationBytes;

    /// <summary><c>{</c>, <c>}</c>, three commas, and per property two pairs of quotes and a colon: 2 + 3 + 4 × 5.</summary>
    private const int SendJsonPunctuationBytes = 2 + 3 + (4 * 5);

    /// <summary>
    /// White space a client may put between the tokens of its largest <c>send</c>: a pretty-printer's newlines and
    /// indentation take a few dozen bytes (<c>json.dumps(indent=4)</c>: 4 lines of 4 spaces); 1 KiB is ample.
    /// </summary>
    public const int FrameWhitespaceAllowance = 1_024;

    /// <summary>Deepest JSON nesting a client frame may have.</summary>
    public const int MaxJsonDepth = 8;

    /// <summary>
    /// Frames of a client's queue that count towards its node's backlog (<see cref="BacklogHighWaterPerConnection"/>),
    /// and past which a client whose writer is stalled on the socket (<see cref="WriteStallTimeout"/>) is dropped at
    /// its next frame. This was the queue's hard limit: a node that fell behind (two nodes and Redis on one core)
    /// once dropped 99 of its 100 receivers, which were reading as fast as TCP let them, when their queues reached
    /// 1,024 frames (140 ms at 7,300 messages a second). A long queue says the node is behind, not the client.
    /// </summary>
    public const int SendQueueSoftCapacity = 1_024;

    /// <summary>
    /// Hard limits of one client's queue, in frames and bytes: reaching either drops the client (1008, counted and
    /// logged). They only bound memory: a node that is behind pushes back on its senders long before (see
    /// <see cref="BacklogHighWaterPerConnection"/>), and a client that stopped reading is dropped when its writes
    /// stall. 32,768 frames are 4.5 s of a saturated room (7,300 messages a second per client) and 512 KiB of
    /// references; 8 MiB are 44 s of the longest messages at 95 a second. The frames are shared with the room's
    /// other members.
    /// </summary>
    public const int SendQueueMaxFrames = 32_768;

    public const long SendQueueMaxBytes = 8 * 1024 * 1024;

    /// <summary>
    /// A socket write blocked this long means the client stopped reading (its socket and ours are full): it is
    /// dropped, its transport aborted, as a close frame could not get through. Measured: a client with a 4 KiB
    /// receive buffer that stops reading, in a room 12 senders fill with 95 two-KB messages a second, fills
    /// <see cref="SocketSendBufferBytes"/> and the transport's pipe in about a second and is gone 6 s after it
    /// stopped (the bar is 15 s); in the two-node saturation benchmark, 5.6 to 5.9 s. A client that reads, even
    /// slowly, has no write blocked for long: the send buffer is a fraction of a second of a busy room's traffic.
    /// </summary>
    public static readonly TimeSpan WriteStallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Default of <c>Chat:ReplicaAckTimeout</c>: how long an append waits for its primary's replicas (Redis
    /// <c>WAIT</c>) before its sender is told <c>unconfirmed</c>. A healthy replica on the same network confirms in well
    /// under a millisecond; a second is a replica that has stopped, not one that is slow. The <c>WAIT</c> holds the
    /// node's connection to that primary meanwhile, so the other rooms on that shard wait as long.
    /// </summary>
    public static readonly TimeSpan ReplicaAckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What <c>Chat:ReplicaAckTimeoutMilliseconds</c> may be: past a minute a sender waits longer for its ack than any
    /// client does, and the other rooms of the shard with it.
    /// </summary>
    public static readonly SettingRange<TimeSpan> ReplicaAckTimeoutRange = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));

    /// <summary>How long a primary's count of connected replicas (its <c>ROLE</c>) is trusted; read only while sending to it.</summary>
    public static readonly TimeSpan ReplicaCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After Redis moved under the room subscriptions (a failover, a slot migration), how often the node checks that
    /// every channel is subscribed on a connected server, and asks the client library to re-read the cluster until it
    /// is: measured, deliveries came back 0.03 to 0.93 s after a promotion this way (up to 61 s left to the library).
    /// </summary>
    public static readonly TimeSpan ResubscribeCheckInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Most replicas <c>Chat:ReplicaAcks</c> may ask for.</summary>
    public const int MaxReplicaAcks = 5;

    /// <summary>How often one sweep per node looks for writes blocked past <see cref="WriteStallTimeout"/>; no timer per connection.</summary>
    public static readonly TimeSpan StallSweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Send buffer of every accepted chat socket. Left to the kernel, a loopback socket's buffer auto-tunes to
    /// 4 MiB: a client that stopped reading had 2.8 MB (15 s of its room's traffic, measured with <c>ss -tmi</c>)
    /// pending on it before a single write of ours blocked, so nothing could tell it had stopped. At 64 KiB (the
    /// kernel doubles it for its bookkeeping) 100 KB are pending when the write blocks; that is still 60 ms of a
    /// saturated client's traffic (7,300 messages a second), and the saturation benchmark lost no throughput.
    /// </summary>
    public const int SocketSendBufferBytes = 64 * 1024;

    /// <summary>
    /// Back-pressure: when the node's backlog (frames queued to its clients, each queue counted up to
    /// <see cref="SendQueueSoftCapacity"/>, so one stalled client cannot raise it alone) passes this many frames
    /// per open connection (and at least <see cref="BacklogHighWaterFloor"/>), the node is behind: its readers hold
    /// <c>send</c> frames until the backlog is down to half. Senders see slower acks; readers lose nothing. 256
    /// frames are 35 ms of a saturated room (7,300 messages a second): the mark is where a node's writers have
    /// fallen behind, not where they take a busy moment. In the two-node saturation benchmark on one shared core the
    /// sampled backlog peaked at 5,800 frames with 200 connections and 24,000 with 400, under the mark: the
    /// writers kept up (the latency is in Redis, the hubs and the load tool) and no send was held.
    /// </summary>
    public const int BacklogHighWaterPerConnection = 256;

    /// <summary>The least high-water mark, so that on a node with a few connections one stalled client (at most 1,024) never holds the others' sends.</summary>
    public const int BacklogHighWaterFloor = 4 * SendQueueSoftCapacity;

    /// <summary>
    /// Longest a <c>send</c> is held while the node is behind; it is then refused with <c>busy</c> (not stored:
    /// send it again). A node that cannot drain its backlog in this long has a problem no wait fixes.
    /// </summary>
    public static readonly TimeSpan MaxSendHold = TimeSpan.FromSeconds(5);

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

    /// <summary>
    /// Default of <c>Chat:MaxTextLength</c>, and its most: <see cref="MaxFrameBytes"/> is sized for a text this long in
    /// its longest spelling, so a deployment may lower the text limit (a text over it still fits in a frame and is
    /// answered <c>bad_text</c>) but not raise it.
    /// </summary>
    public const int MaxTextLength = 2_000;

    /// <summary>What <c>Chat:MaxTextLength</c> may be.</summary>
    public static readonly SettingRange<int> TextLengthRange = new(MinTextLength, MaxTextLength);

    public const int MaxClientIdLength = 64;

    /// <summary>Default of <c>Chat:MaxRoomsPerConnection</c>.</summary>
    public const int MaxRoomsPerConnection = 32;

    /// <summary>
    /// What <c>Chat:MaxRoomsPerConnection</c> may be. A connection keeps its rooms in a list that every join, leave and
    /// send scans: smaller than a set and as quick at tens of rooms, not at thousands. Each room also holds a hub and a
    /// Redis subscription on the node for as long as a member is in it.
    /// </summary>
    public static readonly SettingRange<int> RoomsPerConnectionRange = new(1, 256);

    /// <summary>Defaults of <c>Chat:RateBurst</c> and <c>Chat:RatePerSecond</c>: frames a connection may send in a burst, and the steady rate it earns them back at.</summary>
    public const int RateBurst = 20;
    public const double RatePerSecond = 10;

    /// <summary>
    /// Flooding: a connection with more than this many frames refused by its rate limit within any
    /// <see cref="FloodWindow"/> is closed (1008 <c>flooding</c>). Every refused frame counts, answered or not, so a client
    /// that keeps sending over its rate is cut whatever the rate: with a burst of b, a rate of r and a client sending s
    /// frames a second, after (b + 51) / (s − r) seconds; at a rate of 20 and a burst of 20, 2.4 s at 50 frames a second,
    /// 0.4 s at 200, 0.04 s at 2,000. A client over its rate by less than 5 frames a second is never cut, only refused; one
    /// that bursts past its limit and backs off never comes near.
    /// </summary>
    public const int MaxRefusedPerFloodWindow = 50;

    public static readonly TimeSpan FloodWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection over its rate limit is answered <c>rate_limited</c> at most once in this long; the other frames
    /// refused meanwhile are dropped without an answer (counted in <c>chat.frames.unanswered</c>), so that a flooder
    /// does not make the server write an error for each of its frames.
    /// </summary>
    public static readonly TimeSpan RateLimitedAnswerInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Keep-alive, gorilla/websocket's pingPeriod: every 54 s each socket sends an unsolicited pong (RFC 6455 5.5.3, a
    /// one-way heartbeat that needs no answer), which keeps proxies and NATs with a 60 s idle timeout from cutting a
    /// quiet connection. Not a ping with a pong wait: with <c>KeepAliveTimeout</c> set, .NET's WebSocket ticks its
    /// per-socket timer every min(interval, timeout) / 4 and wakes the reader for every pong; at 20 s / 20 s that was 800
    /// timer callbacks a second at 4,000 idle connections and 3.4 % of a core (1.1 % at 500), at 54 s / 60 s still 2.6 %
    /// (scripts/bench.sh idle-4000 --warmup 60). Now the timer fires once per 54 s per socket (74 a second at 4,000) and
    /// a dead peer is left to the kernel (<see cref="TcpUserTimeout"/>).
    /// </summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(54);

    /// <summary>No pong wait in the WebSocket (see <see cref="KeepAliveInterval"/>).</summary>
    public static readonly TimeSpan KeepAliveTimeout = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Dead-peer detection in the kernel, at no cost to the node: TCP_USER_TIMEOUT on each accepted socket drops a
    /// connection whose sent bytes (at the latest the next keep-alive pong) stay unacknowledged this long: a host gone or
    /// a cut network. gorilla/websocket's pongWait. A peer that closes or resets is seen at once.
    /// </summary>
    public static readonly TimeSpan TcpUserTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a silent dead peer can go unnoticed: one keep-alive period, then the kernel's timeout (114 s).</summary>
    public static TimeSpan DeadPeerBound => KeepAliveInterval + TcpUserTimeout;

    /// <summary>Largest request head an upgrade below the HTTP layer reads (431 beyond): a token and the usual headers take under 2 KiB.</summary>
    public const int MaxUpgradeHeadBytes = 8 * 1024;

    /// <summary>
    /// Default of <c>Chat:MaxConnections</c>: open chat connections per node, on both upgrade paths together; past it
    /// an upgrade is refused with 503 before its 101. Above the largest load measured on one node (many-rooms:
    /// 20,000 connections, the node's core full at one message a second per room of 5, BENCHMARKS.md), and at about
    /// 9.4 KB of memory per idle connection 50,000 hold under 0.5 GB: the limit keeps a flood of connections from
    /// taking the node's memory and file descriptors, and an operator sizes it to the node.
    /// </summary>
    public const int MaxConnections = 50_000;

    /// <summary>The <c>Retry-After</c> of an upgrade refused at <see cref="MaxConnections"/>: time for connections to end, or a client to try another node.</summary>
    public static readonly TimeSpan ConnectionLimitRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>How long a new connection may take to send the head of its first request before it is dropped.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a closing connection may take to flush its queue and finish the close handshake.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On shutdown, how long a connection waits for the answers (ack or error) to the sends it already handed to
    /// Redis before it closes with 1001; then the close has <see cref="CloseTimeout"/> to flush. A healthy Redis
    /// answers in milliseconds; this covers a send held while the node is behind (<see cref="MaxSendHold"/>) or a
    /// Redis that stopped answering (the client library's 5 s timeout) and a replica's <c>WAIT</c>. A send still
    /// unanswered then gets no answer: its client resumes with <c>since</c> to learn whether it was stored. Grace and
    /// close together (15 s, 20 s with a peer that does not answer the close) stay within the host's 30 s shutdown
    /// timeout, after which Kestrel aborts what is left.
    /// </summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Default of <c>Chat:RoomStreamLength</c>: messages a room's stream keeps (approximately: Redis trims in whole
    /// blocks, of 100 entries by default), for history and resume.
    /// </summary>
    public const int RoomStreamLength = 1_000;

    /// <summary>
    /// What <c>Chat:RoomStreamLength</c> may be. A resume replays up to twice the cap (the stream may hold more than it)
    /// into its client's queue at once, and at most <see cref="SendQueueMaxFrames"/> fit: 10,000 keeps a replay's
    /// 20,000 frames within it. (The queue's <see cref="SendQueueMaxBytes"/> still bound a replay of long messages.)
    /// </summary>
    public static readonly SettingRange<int> RoomStreamLengthRange = new(1, 10_000);

    /// <summary>Default of <c>Chat:JoinHistoryCount</c>: messages a plain <c>join</c> replays before going live.</summary>
    public const int JoinHistoryCount = 50;

    /// <summary>
    /// What <c>Chat:JoinHistoryCount</c> may be (and at most <c>Chat:RoomStreamLength</c>): 0 joins without history. A
    /// join queues its whole history to its client at once; 1,000 stay within <see cref="SendQueueSoftCapacity"/>, the
    /// frames of one queue that count towards the node's backlog.
    /// </summary>
    public static readonly SettingRange<int> JoinHistoryCountRange = new(0, 1_000);

    /// <summary>
    /// Default of <c>Chat:PresenceTtlMilliseconds</c>. A node that has not beaten its heartbeat for this long is dead:
    /// a survivor sweeps its members out of their rooms. With the heartbeat below, a dead node's members are gone
    /// within TTL + one beat (13 s; the protocol promises about 15).
    /// </summary>
    public static readonly TimeSpan PresenceTtl = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What <c>Chat:PresenceTtlMilliseconds</c> may be. Under a second, a node that pauses (a long garbage collection,
    /// a Redis failover takes seconds) is taken for dead and its members leave and come back; past ten minutes, a dead
    /// node's members stay listed that long.
    /// </summary>
    public static readonly SettingRange<TimeSpan> PresenceTtlRange = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

    /// <summary>Default of <c>Chat:PresenceHeartbeatMilliseconds</c>: one heartbeat per node (one Redis script), whatever its number of rooms and members.</summary>
    public static readonly TimeSpan PresenceHeartbeat = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Heartbeats a node beats within one <see cref="PresenceTtl"/>, at the least: a node whose beat is late by up to
    /// two periods (a slow Redis, a pause) is not yet taken for dead.
    /// </summary>
    public const int PresenceBeatsPerTtl = 3;

    /// <summary>
    /// What <c>Chat:PresenceHeartbeatMilliseconds</c> may be (and at most a <see cref="PresenceBeatsPerTtl"/>th of the
    /// TTL). Every beat is a Redis script: ten a second per node is still nothing to Redis.
    /// </summary>
    public static readonly SettingRange<TimeSpan> PresenceHeartbeatRange = new(TimeSpan.FromMilliseconds(100), PresenceTtlRange.Max / PresenceBeatsPerTtl);

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

    /// <summary>Default of <c>Chat:CommandsPerWindow</c>: commands one user may start in each window, across all nodes and connections.</summary>
    public const int CommandsPerWindow = 5;

    /// <summary>
    /// What <c>Chat:CommandsPerWindow</c> may be: at least one (a deployment without bots leaves
    /// <c>ConnectionStrings:messaging</c> unset); a thousand a window is past any person, and every command reaches a
    /// bot, and the stock bot's quote providers.
    /// </summary>
    public static readonly SettingRange<int> CommandsPerWindowRange = new(1, 1_000);

    /// <summary>Default of <c>Chat:CommandWindowMilliseconds</c>.</summary>
    public static readonly TimeSpan CommandWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What <c>Chat:CommandWindowMilliseconds</c> may be: the window is the expiry of a Redis key per user. At least a
    /// second (the refusal tells the user the window in seconds); at most an hour, the longest a refused user waits.
    /// </summary>
    public static readonly SettingRange<TimeSpan> CommandWindowRange = new(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

    public const int MaxCommandNameLength = 32;
}
