using System.Threading.Channels;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// One room on this node, one loop. The loop alone owns the room's local members (<see cref="RoomMembers"/>); it is
/// fed through a channel by the members (register, unregister, leave), by the room's subscription (live events) and
/// by its own reads (history, catch-up, tail), and hands each event's bytes to every member's send queue without
/// waiting. It starts on the first join and retires when the room has no members here and nothing is queued,
/// leaving no task, timer or subscription. The jobs live in their own parts: <see cref="RoomJoins"/>,
/// <see cref="RoomOrder"/>, <see cref="RoomSubscription"/>.
/// </summary>
public sealed class RoomHub : IHubInbox
{
    private readonly Channel<HubCommand> _commands = Channel.CreateUnbounded<HubCommand>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private readonly RoomHubContext _context;
    private readonly RoomMembers _members;
    private readonly RoomOrder _order;
    private readonly RoomJoins _joins;
    private readonly RoomSubscription _subscription;
    private Task _loop = Task.CompletedTask;
    private int _started;
    private bool _opened;

    // Commands posted and not yet handled, or -1 once retired: a post and the retirement can't cross.
    private int _pending;

    public RoomHub(string room, RoomHubContext context)
    {
        Room = room;
        _context = context;
        _members = new RoomMembers(room, context);
        _subscription = new RoomSubscription(room, context, this, () => Volatile.Read(ref _pending) < 0);
        _order = new RoomOrder(room, context, _members, this, _subscription.RenewAsync);
        _joins = new RoomJoins(room, context, _members, _order, this);
    }

    public string Room { get; }

    /// <summary>Completes when the hub has retired.</summary>
    public Task Completion => _loop;

    internal void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _context.Metrics.RoomStarted();
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues a command; false once the hub has retired (the caller then starts a new one).</summary>
    public bool TryPost(in HubCommand command)
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
            // Live before any member reads its history, so that history and live events together miss nothing; and
            // in this node's presence index before any member is listed, so that a survivor would sweep it.
            await _subscription.StartAsync().ConfigureAwait(false);
            await _context.Presence.OpenRoomAsync(Room).ConfigureAwait(false);
            _opened = true;
        }
        catch (Exception exception)
        {
            _joins.StartError = exception;
            _order.Disabled = true;
            HubLog.SubscribeFailed(_context.Logger, Room, exception.Message);
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
                    _context.Retired(this);
                    await RetireAsync().ConfigureAwait(false);
                    return;
                }

                if (++handled % ChatLimits.HubBurst == 0)
                {
                    // The members' writers, woken by this burst, run before the hub queues them more.
                    DeliverBatched();
                    await Task.Yield();
                }
            }

            // The channel is empty: what was batched goes out before the hub waits.
            DeliverBatched();
        }
    }

    /// <summary>Ends a run of live events: the messages batched meanwhile are queued to the members (<see cref="MessageBatch"/>).</summary>
    private void DeliverBatched()
    {
        try
        {
            _members.Batching = false;
            _members.RemoveEvicted();
        }
        catch (Exception exception)
        {
            HubLog.CommandFailed(_context.Logger, exception, HubCommandKind.Event, Room);
        }
    }

    private void Handle(in HubCommand command)
    {
        try
        {
            // Live events that follow one another are delivered together; anything else first delivers them.
            _members.Batching = command.Kind == HubCommandKind.Event;
            switch (command.Kind)
            {
                case HubCommandKind.Register:
                    _joins.Register(command.Member!, command.Join!);
                    break;
                case HubCommandKind.Unregister:
                    _members.Remove(command.Member!);
                    break;
                case HubCommandKind.Leave:
                    _members.Remove(command.Member!);
                    _members.Send(command.Member!, ServerFrameWriter.Current.Left(Room, command.Cid));
                    break;
                case HubCommandKind.Event:
                    _order.OnLive(command.Event);
                    break;
                case HubCommandKind.Loaded:
                    _joins.OnLoaded(command.Member!, command.Snapshot, command.Error);
                    break;
                case HubCommandKind.CatchUp:
                    _order.Start(command.Reason);
                    break;
                case HubCommandKind.CaughtUp:
                    _order.OnCaughtUp(command.Missed, command.Error, command.Reason);
                    break;
                case HubCommandKind.CheckTail:
                    _order.CheckTail(_context.QuietRooms.Now);
                    break;
                case HubCommandKind.TailRead:
                    _order.OnTail(command.Tail, command.Error);
                    break;
            }

            _members.RemoveEvicted();
        }
        catch (Exception exception)
        {
            // A bug in one command must not take the room down with it.
            HubLog.CommandFailed(_context.Logger, exception, command.Kind, Room);
        }
    }

    /// <summary>Lets go of the subscription, and of this node's index entry once the room's last leave is in Redis.</summary>
    private async Task RetireAsync()
    {
        await _subscription.StopAsync().ConfigureAwait(false);
        if (!_opened)
        {
            return;
        }

        try
        {
            await _members.LastPresenceCall.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await _context.Presence.CloseRoomAsync(Room).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Left in the index, the room costs a survivor one empty sweep should this node die.
            HubLog.CloseFailed(_context.Logger, Room, exception.Message);
        }
    }
}
