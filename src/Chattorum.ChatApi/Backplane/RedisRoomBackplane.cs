using System.Diagnostics;
using Chattorum.ChatApi.Protocol;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Rooms in Redis: each room is a capped stream (its order and history) and a pub/sub channel (its live
/// events). A message is appended and published by one script, so every node receives the room's messages
/// in stream order. Per message: one script (XREVRANGE, XADD, SPUBLISH); per join: one script (HKEYS and an
/// XRANGE or XREVRANGE); nothing while idle.
/// </summary>
public sealed partial class RedisRoomBackplane : IRoomBackplane, IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ReplicationWait _replication;
    private readonly SubscriptionRecovery _recovery;
    private readonly ChatMetrics _metrics;
    private readonly ILogger<RedisRoomBackplane> _logger;

    // Chat:RoomStreamLength, and the most a resume or catch-up reads: the stream may hold more than its cap, as Redis
    // trims in whole blocks.
    private readonly int _streamLength;
    private readonly int _replayMax;

    public RedisRoomBackplane(
        IConnectionMultiplexer redis, ReplicationWait replication, SubscriptionRecovery recovery, ChatMetrics metrics, ChatOptions options, ILogger<RedisRoomBackplane> logger)
    {
        _streamLength = options.RoomStreamLength;
        _replayMax = 2 * options.RoomStreamLength;
        _redis = redis;
        _replication = replication;
        _recovery = recovery;
        _metrics = metrics;
        _logger = logger;
        _recovery.Recovered += OnRecovered;
    }

    public event Action? Reconnected;

    public Task<string> PublishAsync(string room, string user, string text) =>
        AppendAsync(RoomScripts.Publish, room, user, text, onceKey: null);

    public Task<string> PublishOnceAsync(string room, string user, string text, string onceKey) =>
        AppendAsync(RoomScripts.PublishOnce, room, user, text, onceKey);

    private async Task<string> AppendAsync(LuaScript script, string room, string user, string text, string? onceKey)
    {
        using var activity = ChatTelemetry.StartRoomSend(room);
        var started = Stopwatch.GetTimestamp();
        var prefix = ServerFrameWriter.Current.MessagePrefix(room, user, text);
        var id = await _redis.GetDatabase().ScriptEvaluateAsync(script, new
        {
            stream = RedisKeys.Stream(room),
            channel = RedisKeys.Events(room).ToString(),
            maxLength = _streamLength,
            user,
            text,
            prefix,
            tag = RoomWireFormat.MessageTag,
            sep = RoomWireFormat.Separator,
            eol = RoomWireFormat.HeaderEnd,
            tsField = RoomWireFormat.TsField,
            idField = RoomWireFormat.IdField,
            frameEnd = RoomWireFormat.FrameEnd,
            once = RedisKeys.Reply(room, onceKey ?? string.Empty),
            onceSeconds = (long)ChatLimits.ReplyDedupeWindow.TotalSeconds,

            // The trace context crosses Redis inside the envelope, so every node's delivery joins the sender's trace.
            trace = Activity.Current?.Id ?? RoomWireFormat.NoTrace,
        }).ConfigureAwait(false);
        activity?.SetTag("messaging.message.id", id.ToString());

        // Acked means stored on the replicas too, when the room's primary has them (Chat:ReplicaAcks).
        await _replication.ConfirmAsync(RedisKeys.Stream(room), id.ToString()).ConfigureAwait(false);
        _metrics.RedisAppended(Stopwatch.GetElapsedTime(started));
        return id.ToString();
    }

    public async Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent)
    {
        var channel = RedisKeys.Events(room);
        var queue = await _redis.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
        _recovery.Track(channel);
        queue.OnMessage(message =>
        {
            byte[]? payload = message.Message;
            if (payload is not null && RoomEvent.TryParse(payload, out var roomEvent))
            {
                onEvent(roomEvent);
            }
            else
            {
                LogMalformedEvent(_logger, room);
            }
        });
        return new Subscription(queue, _recovery);
    }

    public async Task<RoomSnapshot> LoadAsync(string room, string? since, int count)
    {
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(RoomScripts.Load, new
        {
            members = RedisKeys.Members(room),
            stream = RedisKeys.Stream(room),
            since = since is null ? string.Empty : StreamId.Parse(since).ToString(),
            count,
            replayMax = _replayMax,
        }).ConfigureAwait(false);

        var parts = (RedisResult[])result!;
        var members = ((RedisResult[])parts[0]!).Select(m => m.ToString()).ToList();
        var history = ((RedisResult[])parts[1]!).Select(entry => ToMessage(room, (RedisResult[])entry!)).ToList();
        if (since is null)
        {
            history.Reverse();
        }

        return new RoomSnapshot(members, history, (long)parts[2] == 1);
    }

    public async Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after)
    {
        var entries = await _redis.GetDatabase().StreamRangeAsync(
            RedisKeys.Stream(room),
            minId: after is { } id ? $"({id}" : "-",
            count: _replayMax).ConfigureAwait(false);
        return [.. entries.Select(entry => new ChatMessage(room, entry.Id.ToString(), entry["u"].ToString(), entry["t"].ToString(), StreamId.Parse(entry.Id.ToString()).Milliseconds))];
    }

    public async Task<StreamId?> LastIdAsync(string room)
    {
        var newest = await _redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room), "-", "+", count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        return newest.Length == 0 ? null : StreamId.Parse(newest[0].Id.ToString());
    }

    public void Dispose() => _recovery.Recovered -= OnRecovered;

    private static ChatMessage ToMessage(string room, RedisResult[] entry)
    {
        var id = entry[0].ToString();
        var fields = (RedisResult[])entry[1]!;
        string user = "", text = "";
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            switch (fields[i].ToString())
            {
                case "u": user = fields[i + 1].ToString(); break;
                case "t": text = fields[i + 1].ToString(); break;
            }
        }

        return new ChatMessage(room, id, user, text, StreamId.Parse(id).Milliseconds);
    }

    private void OnRecovered() => Reconnected?.Invoke();

    private sealed class Subscription(ChannelMessageQueue queue, SubscriptionRecovery recovery) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            recovery.Forget(queue.Channel);
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a malformed event on room {Room}'s channel")]
    private static partial void LogMalformedEvent(ILogger logger, string room);
}
