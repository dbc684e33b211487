using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// One order, nothing missed: live events go out in the order the channel brings them, and the stream is read only
/// when there is a reason to: the subscription reconnected, a live message names a predecessor the channel never
/// brought (a gap), or a room that went quiet has a newer last message in its stream than the channel brought (a
/// dropped tail, which no later message would reveal). While a read runs, live events wait, and the two are merged
/// by id. Runs on the hub's loop.
/// </summary>
internal sealed class RoomOrder(string room, RoomHubContext context, RoomMembers members, IHubInbox inbox, Func<Task> resubscribe)
{
    // Live events held back while missed messages are read.
    private List<RoomEvent>? _catchUpBuffer;

    // The newest message the channel delivered: the channel keeps order, so a stored message older than it
    // that never came live was dropped.
    private StreamId? _lastLive;

    // Whether the room had live messages since its tail was last checked, and whether a check is on its way.
    private bool _tailUnchecked;
    private bool _watched;
    private long _lastLiveAt;

    /// <summary>Set when the hub has no subscription: nothing to catch up with.</summary>
    public bool Disabled { get; set; }

    /// <summary>
    /// Before the channel has brought anything, the first history read says where the stream stood, so that a
    /// first live message whose predecessor never came is seen as a gap too.
    /// </summary>
    public void SeedFromHistory(StreamId? end)
    {
        if (_lastLive is null && end is not null)
        {
            _lastLive = end;
        }
    }

    public void OnLive(in RoomEvent roomEvent)
    {
        if (_catchUpBuffer is not null)
        {
            _catchUpBuffer.Add(roomEvent);
            return;
        }

        if (roomEvent.Kind == RoomEventKind.Message)
        {
            // Each message names the one before it in the stream: if that is past the last one the channel
            // brought, the channel skipped some. Read them before going on.
            if (_lastLive is { } last && roomEvent.Previous is { } previous && previous > last)
            {
                HubLog.Gap(context.Logger, room, last.ToString(), previous.ToString());
                _lastLive = null;
                if (Start(CatchUpReason.Gap))
                {
                    _catchUpBuffer!.Add(roomEvent);
                    return;
                }
            }

            Advance(roomEvent.Id);
            WatchTail();
        }

        members.Deliver(roomEvent);
    }

    /// <summary>Starts a catch-up read; false when there is nothing to catch up for (or one is running).</summary>
    public bool Start(CatchUpReason reason)
    {
        if (_catchUpBuffer is not null || Disabled || !members.TryGetOldestCursor(out var from))
        {
            return false;
        }

        // The least advanced member decides where to read from; the others skip what they have.
        _catchUpBuffer = [];
        context.Metrics.CatchUpStarted(reason);
        _ = ReadMissedAsync(from, reason);
        return true;
    }

    public void OnCaughtUp(IReadOnlyList<ChatMessage>? missed, Exception? error, CatchUpReason reason)
    {
        var buffered = _catchUpBuffer ?? [];
        _catchUpBuffer = null;
        var merged = buffered;
        if (missed is not null)
        {
            merged = ResyncMerge.InOrder(missed, buffered, _lastLive, out var dropped);
            if (dropped > 0 && reason == CatchUpReason.QuietTail)
            {
                // The channel dropped messages while connected: take a fresh subscription.
                HubLog.ChannelMissed(context.Logger, room, dropped);
                _ = resubscribe();
            }
        }
        else
        {
            HubLog.CatchUpFailed(context.Logger, room, reason, error?.Message ?? "no result");
        }

        foreach (var roomEvent in merged)
        {
            if (roomEvent.Kind == RoomEventKind.Message)
            {
                Advance(roomEvent.Id);
            }

            members.Deliver(roomEvent);
        }

        if (reason == CatchUpReason.Reconnected)
        {
            // The subscription may have come back a moment after the read: check the tail once the room is quiet.
            WatchTail();
        }
    }

    /// <summary>The node's quiet-room check came: read the tail if the room has been quiet long enough, or wait more.</summary>
    public void CheckTail(long now)
    {
        _watched = false;
        if (!_tailUnchecked || Disabled)
        {
            return;
        }

        if (context.QuietRooms.Elapsed(_lastLiveAt, now) < ChatLimits.QuietRoomAfter)
        {
            WatchTail();
            return;
        }

        _tailUnchecked = false;
        if (_catchUpBuffer is null && members.TryGetOldestCursor(out _))
        {
            _ = ReadTailAsync();
        }
    }

    public void OnTail(StreamId? tail, Exception? error)
    {
        if (error is not null)
        {
            // Try again at the next check.
            HubLog.CatchUpFailed(context.Logger, room, CatchUpReason.QuietTail, error.Message);
            _tailUnchecked = true;
            WatchTail();
            return;
        }

        if (tail is { } newest && (_lastLive is not { } last || newest > last))
        {
            HubLog.QuietTailMissed(context.Logger, room, newest.ToString(), _lastLive?.ToString() ?? "none");
            Start(CatchUpReason.QuietTail);
        }
    }

    private void Advance(StreamId id)
    {
        if (_lastLive is not { } newest || id > newest)
        {
            _lastLive = id;
        }
    }

    private void WatchTail()
    {
        _lastLiveAt = context.QuietRooms.Now;
        _tailUnchecked = true;
        if (!_watched)
        {
            _watched = true;
            context.QuietRooms.Watch(inbox);
        }
    }

    private async Task ReadMissedAsync(StreamId? from, CatchUpReason reason)
    {
        try
        {
            var missed = await context.Backplane.ReadAfterAsync(room, from).ConfigureAwait(false);
            inbox.TryPost(HubCommand.CaughtUp(missed, null, reason));
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the hub hears of it: a catch-up that never ends would hold back the room's live events.
            inbox.TryPost(HubCommand.CaughtUp(null, exception, reason));
        }
    }

    private async Task ReadTailAsync()
    {
        try
        {
            var tail = await context.Backplane.LastIdAsync(room).ConfigureAwait(false);
            inbox.TryPost(HubCommand.TailRead(tail, null));
        }
        catch (Exception exception)
        {
            inbox.TryPost(HubCommand.TailRead(null, exception));
        }
    }
}
