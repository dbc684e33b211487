using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Chattorum.ChatApi;

/// <summary>The counters an operator watches on a chat node, on the <c>Chattorum.Chat</c> meter.</summary>
public sealed class ChatMetrics
{
    public const string MeterName = "Chattorum.Chat";

    /// <summary>Bucket bounds for durations that are mostly well under a millisecond (the default bounds suit milliseconds).</summary>
    public static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly UpDownCounter<long> _connections;
    private readonly UpDownCounter<long> _rooms;
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _stalledAborts;
    private readonly Counter<long> _queueLimits;
    private readonly Histogram<double> _sendsHeld;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _unanswered;
    private readonly Counter<long> _floods;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _fanOut;
    private readonly Histogram<double> _redisAppend;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _refusedReplies;
    private readonly Counter<long> _catchUps;
    private readonly Counter<long> _nodesSwept;
    private readonly Histogram<double> _replicaWaits;
    private readonly Counter<long> _unconfirmed;
    private readonly Counter<long> _upgrades;

    public ChatMetrics(IMeterFactory meterFactory, Connections.ChatConnections connections, Connections.SendBacklog backlog)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("chat.connections", "{connection}", "Open WebSocket connections");
        _rooms = meter.CreateUpDownCounter<long>("chat.rooms.active", "{room}", "Rooms with a running hub on this node");
        _received = meter.CreateCounter<long>("chat.messages.received", "{message}", "Chat messages accepted into a room");
        _delivered = meter.CreateCounter<long>("chat.messages.delivered", "{message}", "Chat messages queued to receivers");
        _framesSent = meter.CreateCounter<long>("chat.frames.sent", "{frame}", "WebSocket frames written to clients; one carries every message queued for its client at the time");
        _bytesSent = meter.CreateCounter<long>("chat.bytes.sent", "By", "Payload bytes written to clients");
        _slowConsumers = meter.CreateCounter<long>("chat.clients.slow_disconnects", "{connection}", "Connections a room dropped with 1008: their writes had stalled, or their send queue reached its hard limit");
        _stalledAborts = meter.CreateCounter<long>("chat.clients.stalled_aborts", "{connection}", "Connections aborted because a write to them was blocked past the stall timeout (they stopped reading)");
        _queueLimits = meter.CreateCounter<long>("chat.send_queue.limit_reached", "{connection}", "Send queues that reached their hard limit while their writes went through (the node far behind)");
        _sendsHeld = meter.CreateHistogram("chat.sends.held.duration", "s", "Time a send frame waited because the node was behind (back-pressure on senders)", advice: SecondsBuckets);
        _rateLimited = meter.CreateCounter<long>("chat.frames.rate_limited", "{frame}", "Client frames refused by the per-connection rate limit");
        _unanswered = meter.CreateCounter<long>("chat.frames.unanswered", "{frame}", "Client frames the rate limit dropped without an answer: a connection over its rate gets at most one rate_limited error a second");
        _floods = meter.CreateCounter<long>("chat.clients.flooding_disconnects", "{connection}", "Connections closed with 1008 flooding: too many frames refused by the rate limit within the flood window");
        _rejected = meter.CreateCounter<long>("chat.frames.rejected", "{frame}", "Client frames refused as invalid, by error code");
        _fanOut = meter.CreateHistogram("chat.fanout.duration", "s", "Time a hub takes to queue one message to every member on this node", advice: SecondsBuckets);
        _redisAppend = meter.CreateHistogram("chat.redis.append.duration", "s", "Time to append and publish a message in Redis, until acked", advice: SecondsBuckets);
        _reconnects = meter.CreateCounter<long>("chat.backplane.reconnects", "{reconnect}", "Times the Redis subscription connection came back");
        _commands = meter.CreateCounter<long>("chat.commands.published", "{command}", "Commands handed to RabbitMQ, by outcome (queued, unknown, unreachable)");
        _replies = meter.CreateCounter<long>("chat.commands.answered", "{reply}", "Bot replies posted into rooms");
        _refusedReplies = meter.CreateCounter<long>("chat.commands.refused", "{reply}", "Bot replies dead-lettered instead of posted, by reason (not_a_reply, unauthenticated, bot_name, room, text)");
        _catchUps = meter.CreateCounter<long>("chat.catchups", "{read}", "Stream reads of a room hub catching up, by reason (reconnected, gap, quiettail)");
        _nodesSwept = meter.CreateCounter<long>("chat.presence.nodes_swept", "{node}", "Dead chat nodes whose members this node swept out of their rooms");
        _replicaWaits = meter.CreateHistogram("chat.redis.replica_wait.duration", "s", "Time one Redis WAIT took to confirm the appends before it on the primary's replicas (one WAIT confirms many appends)", advice: SecondsBuckets);
        _unconfirmed = meter.CreateCounter<long>("chat.messages.unconfirmed", "{message}", "Messages stored on their primary that fewer replicas than required confirmed in time (answered unconfirmed, not acked)");
        _upgrades = meter.CreateCounter<long>("chat.upgrades", "{upgrade}", "Requests for /ws answered by the node, by status, path (listener below HTTP, or http) and, when refused, cause (error.type); Kestrel counts the heads it refuses itself on the http path");
        meter.CreateObservableGauge("chat.send_queue.depth", connections.QueuedFrames, "{frame}", "Frames waiting in the send queues of this node's connections");
        meter.CreateObservableGauge("chat.send_queue.backlog", () => backlog.Frames, "{frame}", "The node's backlog: queued frames, each queue counted up to its soft capacity; over the high-water mark, sends are held");
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    public void RoomStarted() => _rooms.Add(1);

    public void RoomStopped() => _rooms.Add(-1);

    public void MessageReceived() => _received.Add(1);

    /// <summary><paramref name="count"/> deliveries of <paramref name="messages"/> messages queued together in <paramref name="fanOut"/>: each message is recorded with its share.</summary>
    public void MessagesDelivered(int count, TimeSpan fanOut, int messages)
    {
        _delivered.Add(count);
        var share = fanOut.TotalSeconds / messages;
        for (var i = 0; i < messages; i++)
        {
            _fanOut.Record(share);
        }
    }

    public void RedisAppended(TimeSpan duration) => _redisAppend.Record(duration.TotalSeconds);

    public void BackplaneReconnected() => _reconnects.Add(1);

    public void CatchUpStarted(Hubs.CatchUpReason reason) =>
        _catchUps.Add(1, new KeyValuePair<string, object?>("chat.catchup.reason", reason.ToString().ToLowerInvariant()));

    public void NodeSwept() => _nodesSwept.Add(1);

    public void CommandPublished(string outcome) => _commands.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ReplyPosted(string bot) => _replies.Add(1, new KeyValuePair<string, object?>("chat.bot", bot));

    public void ReplyRefused(string reason) => _refusedReplies.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void FrameSent(int bytes)
    {
        _framesSent.Add(1);
        _bytesSent.Add(bytes);
    }

    public void SlowConsumerDisconnected() => _slowConsumers.Add(1);

    public void StalledWriterAborted() => _stalledAborts.Add(1);

    public void ReplicaWaited(TimeSpan elapsed) => _replicaWaits.Record(elapsed.TotalSeconds);

    public void WriteUnconfirmed() => _unconfirmed.Add(1);

    public void UpgradeAnswered(int status, string path, string? error)
    {
        var tags = new TagList
        {
            { "http.response.status_code", status },
            { "chat.upgrade.path", path },
        };
        if (error is not null)
        {
            tags.Add("error.type", error);
        }

        _upgrades.Add(1, tags);
    }

    public void SendQueueLimitReached() => _queueLimits.Add(1);

    public void SendHeld(TimeSpan waited) => _sendsHeld.Record(waited.TotalSeconds);

    public void FrameRateLimited() => _rateLimited.Add(1);

    public void FrameUnanswered() => _unanswered.Add(1);

    public void FloodingDisconnected() => _floods.Add(1);

    public void FrameRejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("error.code", code));
}
