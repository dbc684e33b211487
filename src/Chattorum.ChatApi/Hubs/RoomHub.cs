using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// One room on this node, one loop. The loop alone owns the room's local members; it is fed through a channel
/// by the members (register, unregister, leave) and by the room's Redis subscription (live events), and it
/// hands each event's bytes to every member's send queue without waiting. It starts on the first join and
/// retires when the room has no members here and nothing is queued, leaving no task, timer or subscription.
/// </summary>
public sealed partial class RoomHub
{
    private readonly Channel<HubCommand> _commands = Channel.CreateUnbounded<HubCommand>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private readonly Dictionary<IRoomMember, MemberState> _members = [];
    private readonly Dictionary<string, int> _connectionsPerUser = new(StringComparer.Ordinal);
    private readonly List<IRoomMember> _evicted = [];
    private readonly RoomHubs _owner;
    private readonly ILogger _logger;
    private Task _loop = Task.CompletedTask;
    private int _started;

    // Commands posted and not yet handled, or -1 once retired: a post and the retirement can't cross.
    private int _pending;
    private IAsyncDisposable? _subscription;
    private Exception? _subscribeError;

    // Live events held back while the messages missed during a disconnection are read.
    private List<RoomEvent>? _resyncBuffer;

    // The newest message the channel delivered: the channel keeps order, so a stored message older than it
    // that never came live was dropped.
    private StreamId? _lastLive;

    internal RoomHub(string room, RoomHubs owner, ILogger logger)
    {
        Room = room;
        _owner = owner;
        _logger = logger;
    }

    public string Room { get; }

    /// <summary>Completes when the hub has retired.</summary>
    public Task Completion => _loop;

    internal void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _owner.Metrics.RoomStarted();
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues a command; false once the hub has retired (the caller then starts a new one).</summary>
    internal bool TryPost(in HubCommand command)
    {
        var pending = Volatile.Read(ref _pending);
        while (true)
        {
            if (pending < 0)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _pending, pending + 1, pending);
            if (seen == pending)
            {
                break;
            }

            pending = seen;
        }

        // Unbounded and completed only after retirement, which needs _pending == 0: this write succeeds.
        _commands.Writer.TryWrite(command);
        return true;
    }

    private async Task RunAsync()
    {
        try
        {
            // Live before any member reads its history, so that history and live events together miss nothing.
            _subscription = await SubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            _subscribeError = exception;
            LogSubscribeFailed(_logger, Room, exception.Message);
        }

        var reader = _commands.Reader;
        var handled = 0;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var command))
            {
                Handle(command);
                if (Interlocked.Decrement(ref _pending) == 0 && _members.Count == 0 &&
                    Interlocked.CompareExchange(ref _pending, -1, 0) == 0)
                {
                    _commands.Writer.TryComplete();
                    _owner.Retire(this);
                    await UnsubscribeAsync().ConfigureAwait(false);
                    return;
                }

                if (++handled % ChatLimits.HubBurst == 0)
                {
                    // The members' writers, woken by this burst, run before the hub queues them more.
                    await Task.Yield();
                }
            }
        }
    }

    private void Handle(in HubCommand command)
    {
        try
        {
            switch (command.Kind)
            {
                case HubCommandKind.Register:
                    Register(command.Member!, (JoinRequest)command.Payload!);
                    break;
                case HubCommandKind.Unregister:
                    Remove(command.Member!);
                    break;
                case HubCommandKind.Leave:
                    Remove(command.Member!);
                    Send(command.Member!, ServerFrameWriter.Current.Left(Room, command.Cid));
                    break;
                case HubCommandKind.Event:
                    OnLive(command.Event);
                    break;
                case HubCommandKind.Loaded:
                    OnLoaded(command.Member!, command.Payload!);
                    break;
                case HubCommandKind.Resync:
                    _ = StartResync((bool)command.Payload!);
                    break;
                case HubCommandKind.Resynced:
                    OnResynced(command.Payload!, afterReconnection: command.Cid is not null);
                    break;
            }

            EvictSlowMembers();
        }
        catch (Exception exception)
        {
            // A bug in one command must not take the room down with it.
            LogCommandFailed(_logger, exception, command.Kind, Room);
        }
    }

    private void Register(IRoomMember member, JoinRequest request)
    {
        if (_subscribeError is not null)
        {
            request.Outcome.TrySetResult(JoinOutcome.Unavailable);
            return;
        }

        // A connection that closed while its join was queued would otherwise stay behind as a ghost.
        if (member.IsClosed || _members.ContainsKey(member))
        {
            request.Outcome.TrySetResult(JoinOutcome.Gone);
            return;
        }

        _members[member] = new MemberState(request);
        _connectionsPerUser.TryGetValue(member.User, out var connections);
        _connectionsPerUser[member.User] = connections + 1;
        if (connections == 0)
        {
            // Sent before the history read on the same connection, so the member list includes this user.
            Observe(_owner.Presence.JoinAsync(Room, member.User), "presence join");
        }

        _ = LoadAsync(member, request.Since);
    }

    private async Task LoadAsync(IRoomMember member, string? since)
    {
        object result;
        try
        {
            result = await _owner.Backplane.LoadAsync(Room, since, ChatLimits.JoinHistoryCount).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the hub hears of it: a join left waiting would hold its member forever.
            result = exception;
        }

        TryPost(HubCommand.Loaded(member, result));
    }

    private void OnLoaded(IRoomMember member, object result)
    {
        if (!_members.TryGetValue(member, out var state) || state.Join is not { } request)
        {
            return;
        }

        if (result is Exception exception)
        {
            LogLoadFailed(_logger, Room, exception.Message);

            // Answered before the removal, which would answer Gone: the client must hear its join failed.
            request.Outcome.TrySetResult(JoinOutcome.Unavailable);
            Remove(member);
            return;
        }

        var snapshot = (RoomSnapshot)result;
        var frames = ServerFrameWriter.Current;
        Send(member, frames.Joined(Room, snapshot.Members, snapshot.History.Count, request.Since is null ? null : snapshot.Truncated, request.Cid));
        foreach (var message in snapshot.History)
        {
            Send(member, frames.Message(message));
        }

        var since = request.Since is null ? (StreamId?)null : StreamId.Parse(request.Since);
        state.Cursor = new MessageCursor(snapshot.History.Count > 0 ? StreamId.Parse(snapshot.History[^1].Id) : since);

        // Before the channel has brought anything, the first history read says where the stream stood, so that
        // a first live message whose predecessor never came is seen as a gap too.
        if (_lastLive is null && state.Cursor.Last is { } end)
        {
            _lastLive = end;
        }
        foreach (var roomEvent in HistoryMerge.LiveAfter(snapshot.History, since, state.Buffer))
        {
            if (!IsAboutItself(member, roomEvent))
            {
                Send(member, roomEvent.Frame);
            }
        }

        state.GoLive();
        request.Outcome.TrySetResult(JoinOutcome.Joined);
    }

    private void OnLive(RoomEvent roomEvent)
    {
        if (_resyncBuffer is not null)
        {
            _resyncBuffer.Add(roomEvent);
            return;
        }

        if (roomEvent.Kind == RoomEventKind.Message)
        {
            // Each message names the one before it in the stream: if that is past the last one the channel
            // brought, the channel skipped some (a reconnection, a dropped event). Read them before going on.
            if (_lastLive is { } last && roomEvent.Previous is { } previous && previous > last)
            {
                LogGap(_logger, Room, last.ToString(), previous.ToString());
                _lastLive = null;
                if (StartResync(afterReconnection: true))
                {
                    _resyncBuffer!.Add(roomEvent);
                    return;
                }
            }

            if (_lastLive is not { } newest || roomEvent.Id > newest)
            {
                _lastLive = roomEvent.Id;
            }
        }

        Deliver(roomEvent);
    }

    private void Deliver(RoomEvent roomEvent)
    {
        var isMessage = roomEvent.Kind == RoomEventKind.Message;
        using var activity = isMessage && roomEvent.TraceParent is { } parent && ActivityContext.TryParse(parent, null, isRemote: true, out var sender)
            ? ChatTelemetry.StartDelivery(Room, sender)
            : null;
        var started = isMessage ? Stopwatch.GetTimestamp() : 0;
        var receivers = 0;
        foreach (var (member, state) in _members)
        {
            if (state.Join is not null)
            {
                state.Buffer.Add(roomEvent);
            }
            else if (roomEvent.Kind == RoomEventKind.Message ? state.Cursor.TryAdvance(roomEvent.Id) : !IsAboutItself(member, roomEvent))
            {
                Send(member, roomEvent.Frame);
                receivers++;
            }
        }

        if (isMessage)
        {
            _owner.Metrics.MessagesDelivered(receivers, Stopwatch.GetElapsedTime(started));
            activity?.SetTag("messaging.message.id", roomEvent.Id.ToString());
            activity?.SetTag("chat.receivers", receivers);
        }
    }

    /// <summary>Starts a catch-up read; false when there is nothing to catch up for (or one is running).</summary>
    private bool StartResync(bool afterReconnection)
    {
        if (_resyncBuffer is not null || _subscribeError is not null)
        {
            return false;
        }

        StreamId? from = null;
        var anyLive = false;
        foreach (var state in _members.Values)
        {
            if (state.Join is null)
            {
                // The least advanced member decides where to read from; the others skip what they have.
                if (!anyLive || state.Cursor.Last is null || (from is { } f && state.Cursor.Last < f))
                {
                    from = state.Cursor.Last;
                }

                anyLive = true;
            }
        }

        if (!anyLive)
        {
            return false;
        }

        _resyncBuffer = [];
        _ = ReadMissedAsync(from, afterReconnection);
        return true;
    }

    private async Task ReadMissedAsync(StreamId? from, bool afterReconnection)
    {
        object result;
        try
        {
            result = await _owner.Backplane.ReadAfterAsync(Room, from).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the hub hears of it: a catch-up that never ends would hold back the room's live events.
            result = exception;
        }

        TryPost(HubCommand.Resynced(result, afterReconnection));
    }

    private void OnResynced(object result, bool afterReconnection)
    {
        var buffered = _resyncBuffer ?? [];
        _resyncBuffer = null;
        var merged = buffered;
        if (result is IReadOnlyList<ChatMessage> missed)
        {
            merged = ResyncMerge.InOrder(missed, buffered, _lastLive, out var dropped);
            if (dropped > 0 && !afterReconnection)
            {
                // The channel dropped messages while connected: take a fresh subscription.
                LogChannelMissed(_logger, Room, dropped);
                _ = ResubscribeAsync();
            }
        }
        else
        {
            LogResyncFailed(_logger, Room, ((Exception)result).Message);
        }

        foreach (var roomEvent in merged)
        {
            if (roomEvent.Kind == RoomEventKind.Message && (_lastLive is not { } newest || roomEvent.Id > newest))
            {
                _lastLive = roomEvent.Id;
            }

            Deliver(roomEvent);
        }
    }

    private void Remove(IRoomMember member)
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
        Observe(_owner.Presence.LeaveAsync(Room, member.User), "presence leave");
    }

    private static bool IsAboutItself(IRoomMember member, in RoomEvent roomEvent) =>
        roomEvent.Kind == RoomEventKind.Presence && string.Equals(roomEvent.User, member.User, StringComparison.Ordinal);

    private void Send(IRoomMember member, ReadOnlyMemory<byte> frame)
    {
        switch (member.TryEnqueue(frame))
        {
            case EnqueueResult.Full:
                member.Close(WebSocketCloseStatus.PolicyViolation, "slow consumer: send queue full", drain: false);
                _owner.Metrics.SlowConsumerDisconnected();
                _evicted.Add(member);
                break;
            case EnqueueResult.Closed:
                _evicted.Add(member);
                break;
        }
    }

    /// <summary>Removes members that could not take a frame.</summary>
    private void EvictSlowMembers()
    {
        while (_evicted.Count > 0)
        {
            var member = _evicted[^1];
            _evicted.RemoveAt(_evicted.Count - 1);
            Remove(member);
        }
    }

    /// <summary>The room's channel, feeding this hub's loop.</summary>
    private Task<IAsyncDisposable> SubscribeAsync() =>
        _owner.Backplane.SubscribeAsync(Room, roomEvent => TryPost(HubCommand.Live(roomEvent)));

    private async Task ResubscribeAsync()
    {
        var old = _subscription;
        try
        {
            var fresh = await SubscribeAsync().ConfigureAwait(false);
            if (Volatile.Read(ref _pending) < 0)
            {
                // The hub retired meanwhile and already let go of its subscription.
                await fresh.DisposeAsync().ConfigureAwait(false);
                return;
            }

            _subscription = fresh;
            if (old is not null)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            LogSubscribeFailed(_logger, Room, exception.Message);
        }
    }

    private async Task UnsubscribeAsync()
    {
        try
        {
            if (_subscription is not null)
            {
                await _subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            LogUnsubscribeFailed(_logger, Room, exception.Message);
        }
    }

    private void Observe(Task task, string what) => task.ContinueWith(
        (t, state) => LogBackplaneCallFailed(_logger, (string)state!, Room, t.Exception!.GetBaseException().Message),
        what,
        CancellationToken.None,
        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
        TaskScheduler.Default);

    private sealed class MemberState(JoinRequest join)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub command {Kind} failed in room {Room}")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception, HubCommandKind kind, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} could not subscribe to its channel: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} could not unsubscribe: {Reason}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: a join could not read the history: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: the channel skipped from {Last} to after {Previous}; reading the stream")]
    private static partial void LogGap(ILogger logger, string room, string last, string previous);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: the channel missed {Count} messages; they were read from the stream")]
    private static partial void LogChannelMissed(ILogger logger, string room, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room}: catching up after a reconnection failed: {Reason}")]
    private static partial void LogResyncFailed(ILogger logger, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed in room {Room}: {Reason}")]
    private static partial void LogBackplaneCallFailed(ILogger logger, string what, string room, string reason);
}
