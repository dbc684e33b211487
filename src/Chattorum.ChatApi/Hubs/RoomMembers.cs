using System.Diagnostics;
using System.Net.WebSockets;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// A room's members on this node and the fan-out to them. Used only by the hub's loop, so nothing here is locked.
/// Tells presence about a user's first connection here and their last, and drops members that could not take a frame.
/// </summary>
internal sealed class RoomMembers(string room, RoomHubContext context)
{
    private readonly Dictionary<IRoomMember, MemberState> _members = [];
    private readonly Dictionary<string, int> _connectionsPerUser = new(StringComparer.Ordinal);
    private readonly List<IRoomMember> _evicted = [];
    private readonly MessageBatch _batch = new();
    private readonly List<Activity?> _spans = [];
    private bool _batching;

    public int Count => _members.Count;

    /// <summary>The last presence call of this room, which every earlier one preceded in Redis.</summary>
    public Task LastPresenceCall { get; private set; } = Task.CompletedTask;

    public bool TryGet(IRoomMember member, out MemberState state) => _members.TryGetValue(member, out state!);

    /// <summary>Adds a joining member; false when it is already here.</summary>
    public bool TryAdd(IRoomMember member, JoinRequest request)
    {
        if (!_members.TryAdd(member, new MemberState(request)))
        {
            return false;
        }

        _connectionsPerUser.TryGetValue(member.User, out var connections);
        _connectionsPerUser[member.User] = connections + 1;
        if (connections == 0)
        {
            // Before the member's history read on the same connection, so the member list includes this user.
            LastPresenceCall = Observe(context.Presence.JoinAsync(room, member.User), "presence join");
        }

        return true;
    }

    public void Remove(IRoomMember member)
    {
        if (!_members.Remove(member, out var state))
        {
            return;
        }

        state.Join?.Outcome.TrySetResult(JoinOutcome.Gone);
        var connections = _connectionsPerUser[member.User] - 1;
        if (connections > 0)
        {
            _connectionsPerUser[member.User] = connections;
            return;
        }

        _connectionsPerUser.Remove(member.User);
        LastPresenceCall = Observe(context.Presence.LeaveAsync(room, member.User), "presence leave");
    }

    /// <summary>
    /// While true, live messages wait in a <see cref="MessageBatch"/> until <see cref="Flush"/> (or until the batch is
    /// full): the hub sets it for a run of live events it took from its channel at once, and clears it (which
    /// delivers the batch) before anything else reaches the members, so every member still gets one order.
    /// </summary>
    public bool Batching
    {
        get => _batching;
        set
        {
            if (!value)
            {
                Flush();
            }

            _batching = value;
        }
    }

    /// <summary>Hands a live event to every member: queued to the live ones, held for the ones still reading their history.</summary>
    public void Deliver(in RoomEvent roomEvent)
    {
        if (_batching && roomEvent.Kind == RoomEventKind.Message)
        {
            if (!_batch.TryAdd(roomEvent))
            {
                Flush();
                _batch.TryAdd(roomEvent);
            }

            return;
        }

        Flush();
        DeliverOne(roomEvent);
    }

    /// <summary>Delivers the batched messages, if any.</summary>
    public void Flush()
    {
        switch (_batch.Count)
        {
            case 0:
                return;
            case 1:
                var only = _batch.Messages[0];
                _batch.Clear();
                DeliverOne(only);
                return;
            default:
                DeliverBatch();
                _batch.Clear();
                return;
        }
    }

    private void DeliverOne(in RoomEvent roomEvent)
    {
        var isMessage = roomEvent.Kind == RoomEventKind.Message;
        using var activity = isMessage ? StartProcessSpan(roomEvent, batchSize: 1) : null;
        var started = isMessage ? Stopwatch.GetTimestamp() : 0;
        var receivers = 0;
        foreach (var (member, state) in _members)
        {
            if (state.Join is not null)
            {
                state.Buffer.Add(roomEvent);
            }
            else if (isMessage ? state.Cursor.TryAdvance(roomEvent.Id) : !IsAboutItself(member, roomEvent))
            {
                Send(member, roomEvent.Frame);
                receivers++;
            }
        }

        if (isMessage)
        {
            context.Metrics.MessagesDelivered(receivers, Stopwatch.GetElapsedTime(started), messages: 1);
            activity?.SetTag("chat.receivers", receivers);
        }
    }

    /// <summary>
    /// Two messages or more: a member whose cursor is before the first one (every live member, unless a catch-up
    /// just ran) gets them all as one joined frame; one that has some of them already gets the others one by one.
    /// </summary>
    private void DeliverBatch()
    {
        var messages = _batch.Messages;
        Span<int> receivers = stackalloc int[messages.Count];
        foreach (var message in messages)
        {
            _spans.Add(StartProcessSpan(message, messages.Count));
        }

        var started = Stopwatch.GetTimestamp();
        byte[]? joined = null;
        var whole = 0;
        var deliveries = 0;
        foreach (var (member, state) in _members)
        {
            if (state.Join is not null)
            {
                foreach (var message in messages)
                {
                    state.Buffer.Add(message);
                }
            }
            else if (state.Cursor.Last is not { } last || last < _batch.First)
            {
                state.Cursor.TryAdvance(_batch.Last);
                Send(member, joined ??= _batch.Join());
                whole++;
                deliveries += messages.Count;
            }
            else
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    if (state.Cursor.TryAdvance(messages[i].Id))
                    {
                        Send(member, messages[i].Frame);
                        receivers[i]++;
                        deliveries++;
                    }
                }
            }
        }

        context.Metrics.MessagesDelivered(deliveries, Stopwatch.GetElapsedTime(started), messages.Count);
        for (var i = 0; i < _spans.Count; i++)
        {
            _spans[i]?.SetTag("chat.receivers", whole + receivers[i]);
            _spans[i]?.Dispose();
        }

        _spans.Clear();
    }

    private Activity? StartProcessSpan(in RoomEvent message, int batchSize)
    {
        if (message.TraceParent is not { } parent || !ActivityContext.TryParse(parent, null, isRemote: true, out var sender))
        {
            return null;
        }

        var activity = ChatTelemetry.StartRoomProcess(room, sender);
        activity?.SetTag("messaging.message.id", message.Id.ToString());
        if (batchSize > 1)
        {
            activity?.SetTag("messaging.batch.message_count", batchSize);
        }

        return activity;
    }

    /// <summary>Where a catch-up read starts: the least advanced live member's cursor. False when no member is live.</summary>
    public bool TryGetOldestCursor(out StreamId? from)
    {
        from = null;
        var anyLive = false;
        foreach (var state in _members.Values)
        {
            if (state.Join is not null)
            {
                continue;
            }

            if (!anyLive || state.Cursor.Last is null || (from is { } oldest && state.Cursor.Last < oldest))
            {
                from = state.Cursor.Last;
            }

            anyLive = true;
        }

        return anyLive;
    }

    public static bool IsAboutItself(IRoomMember member, in RoomEvent roomEvent) =>
        roomEvent.Kind == RoomEventKind.Presence && string.Equals(roomEvent.User, member.User, StringComparison.Ordinal);

    public void Send(IRoomMember member, ReadOnlyMemory<byte> frame)
    {
        switch (member.TryEnqueue(frame))
        {
            case EnqueueResult.Full:
                member.Close(WebSocketCloseStatus.PolicyViolation, "slow consumer: send queue full", drain: false);
                context.Metrics.SlowConsumerDisconnected();
                _evicted.Add(member);
                break;
            case EnqueueResult.Closed:
                _evicted.Add(member);
                break;
        }
    }

    /// <summary>Removes the members that could not take a frame (not during the fan-out, which walks the set).</summary>
    public void RemoveEvicted()
    {
        while (_evicted.Count > 0)
        {
            var member = _evicted[^1];
            _evicted.RemoveAt(_evicted.Count - 1);
            Remove(member);
        }
    }

    private Task Observe(Task task, string what)
    {
        if (!task.IsCompleted || task.IsFaulted)
        {
            _ = task.ContinueWith(
                (t, state) => HubLog.PresenceCallFailed(context.Logger, (string)state!, room, t.Exception!.GetBaseException().Message),
                what,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return task;
    }
}

/// <summary>A member's place in the room: joining (with the live events held meanwhile) or live (with its cursor).</summary>
internal sealed class MemberState(JoinRequest join)
{
    /// <summary>The join in progress; null once the member is live.</summary>
    public JoinRequest? Join { get; private set; } = join;

    /// <summary>Live events that arrived while the member's history was being read.</summary>
    public List<RoomEvent> Buffer { get; private set; } = [];

    public MessageCursor Cursor;

    public void GoLive()
    {
        Join = null;
        Buffer = [];
    }
}
