using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// "Acked means stored on two machines": after a room's append, waits until the room's primary has passed the
/// write to its replicas (Redis <c>WAIT</c>), as <see cref="ReplicaAcks"/> asks. Without it, a primary that dies
/// before its replica has the last writes takes acked messages with it (measured: 12 of 12 messages acked in the
/// half second before such a failover were gone).
///
/// <c>WAIT</c> covers every earlier write of the connection it is sent on, and the node sends all its writes to
/// a primary on one connection; so one <c>WAIT</c> confirms every append whose reply came before it was sent
/// (group commit): while one is out, the appends that finish join the next, and a busy shard costs about one
/// <c>WAIT</c> per replication round trip, not one per message. Whether a primary has replicas comes from its
/// <c>ROLE</c>, read at most once per <see cref="ChatLimits.ReplicaCheckInterval"/> and only while
/// messages are sent to it: nothing while idle.
/// </summary>
public sealed partial class ReplicationWait(IConnectionMultiplexer redis, ChatOptions options, ChatMetrics metrics, TimeProvider time, ILogger<ReplicationWait> logger)
{
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ChatMetrics _metrics = metrics;
    private readonly ReplicaAcks _acks = options.ReplicaAcksSetting;
    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(options.ReplicaAckTimeoutMilliseconds);
    private readonly ConcurrentDictionary<EndPoint, Primary> _primaries = new();

    /// <summary>
    /// Returns once the writes this node made to <paramref name="key"/>'s primary so far are on as many replicas as
    /// required; throws <see cref="UnconfirmedWriteException"/> (naming <paramref name="id"/>) when fewer confirmed in time.
    /// </summary>
    public async ValueTask ConfirmAsync(RedisKey key, string id)
    {
        if (_acks is { Required: 0 })
        {
            return;
        }

        long confirmed;
        int required = _acks.Required;
        Primary? primary = null;
        try
        {
            var server = redis.GetServer(key);
            primary = _primaries.GetOrAdd(server.EndPoint, endPoint => new Primary(this, endPoint));
            required = _acks.RequiredWith(await primary.ConnectedReplicasAsync(server).ConfigureAwait(false));
            if (required == 0)
            {
                return;
            }

            confirmed = await primary.WaitAsync(server, required).ConfigureAwait(false);
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            // The message is stored: the sender must not be told to send it again, only that it is not confirmed.
            _metrics.WriteUnconfirmed();
            throw new UnconfirmedWriteException(id, 0, required, _timeout, exception);
        }

        if (confirmed < required)
        {
            // A replica that died has left the primary's list: read it again at the next send, not in 5 s.
            primary?.ForgetReplicas();
            _metrics.WriteUnconfirmed();
            throw new UnconfirmedWriteException(id, confirmed, required, _timeout);
        }
    }

    /// <summary>One primary: its replica count, and the <c>WAIT</c> in flight with the appends waiting for the next.</summary>
    private sealed class Primary(ReplicationWait owner, EndPoint endPoint)
    {
        private readonly Lock _gate = new();
        private int _replicas = -1;
        private long _checkedAt;
        private Task<int>? _checking;
        private TaskCompletionSource<long>? _next;
        private int _nextRequired;
        private bool _waiting;

        public ValueTask<int> ConnectedReplicasAsync(IServer server)
        {
            lock (_gate)
            {
                var now = owner._time.GetTimestamp();
                if (_replicas >= 0 && owner._time.GetElapsedTime(_checkedAt, now) < ChatLimits.ReplicaCheckInterval)
                {
                    return ValueTask.FromResult(_replicas);
                }

                _checking ??= CheckAsync(server);
                return new ValueTask<int>(_checking);
            }
        }

        private async Task<int> CheckAsync(IServer server)
        {
            try
            {
                var replicas = await server.RoleAsync().ConfigureAwait(false) is Role.Master primary ? primary.Replicas.Count : 0;
                lock (_gate)
                {
                    if (replicas != _replicas)
                    {
                        LogReplicas(owner._logger, endPoint.ToString() ?? "?", replicas);
                    }

                    (_replicas, _checkedAt) = (replicas, owner._time.GetTimestamp());
                }

                return replicas;
            }
            finally
            {
                lock (_gate)
                {
                    _checking = null;
                }
            }
        }

        /// <summary>The next send reads the primary's replicas again.</summary>
        public void ForgetReplicas()
        {
            lock (_gate)
            {
                _replicas = -1;
            }
        }

        /// <summary>Joins the next <c>WAIT</c> (the one in flight may have been sent before this append's reply came).</summary>
        public Task<long> WaitAsync(IServer server, int required)
        {
            lock (_gate)
            {
                _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                _nextRequired = Math.Max(_nextRequired, required);
                var joined = _next.Task;
                if (!_waiting)
                {
                    _waiting = true;
                    _ = SendWaitsAsync(server);
                }

                return joined;
            }
        }

        private async Task SendWaitsAsync(IServer server)
        {
            while (true)
            {
                TaskCompletionSource<long> batch;
                int required;
                lock (_gate)
                {
                    if (_next is null)
                    {
                        _waiting = false;
                        return;
                    }

                    (batch, required) = (_next, _nextRequired);
                    (_next, _nextRequired) = (null, 0);
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    var confirmed = (long)await server.ExecuteAsync("WAIT", required, (long)owner._timeout.TotalMilliseconds).ConfigureAwait(false);
                    owner._metrics.ReplicaWaited(Stopwatch.GetElapsedTime(started));
                    batch.SetResult(confirmed);
                }
                catch (Exception exception)
                {
                    batch.SetException(exception);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis primary {EndPoint} has {Replicas} replica(s) online; acks wait for as many as Chat:ReplicaAcks asks of them")]
    private static partial void LogReplicas(ILogger logger, string endPoint, int replicas);
}

/// <summary>
/// A message was stored on its room's primary (and shown to the room) but fewer replicas than required confirmed it
/// in time: if that primary fails now, it may be lost. The sender gets <c>unconfirmed</c> with the message's id.
/// </summary>
public sealed class UnconfirmedWriteException(string id, long confirmed, int required, TimeSpan timeout, Exception? inner = null)
    : RedisException($"message {id} is on its primary but {confirmed} of {required} replica(s) confirmed it within {timeout.TotalMilliseconds:0} ms", inner!)
{
    public string Id { get; } = id;
}
