using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// Joining with history: a member is added at once (so it hears live events from then on, held in its buffer),
/// its member list and history are read, and it goes live with the history and then whatever arrived meanwhile,
/// nothing twice and nothing missing. Runs on the hub's loop.
/// </summary>
internal sealed class RoomJoins(string room, RoomHubContext context, RoomMembers members, RoomOrder order, IHubInbox inbox)
{
    /// <summary>Set when the hub could not start (no subscription): every join is refused as unavailable.</summary>
    public Exception? StartError { get; set; }

    public void Register(IRoomMember member, JoinRequest request)
    {
        if (StartError is not null)
        {
            request.Outcome.TrySetResult(JoinOutcome.Unavailable);
            return;
        }

        // A connection that closed while its join was queued would otherwise stay behind as a ghost.
        if (member.IsClosed || !members.TryAdd(member, request))
        {
            request.Outcome.TrySetResult(JoinOutcome.Gone);
            return;
        }

        _ = LoadAsync(member, request.Since);
    }

    public void OnLoaded(IRoomMember member, RoomSnapshot? snapshot, Exception? error)
    {
        if (!members.TryGet(member, out var state) || state.Join is not { } request)
        {
            return;
        }

        if (snapshot is null)
        {
            HubLog.LoadFailed(context.Logger, room, error?.Message ?? "no snapshot");

            // Answered before the removal, which would answer Gone: the client must hear its join failed.
            request.Outcome.TrySetResult(JoinOutcome.Unavailable);
            members.Remove(member);
            return;
        }

        var frames = ServerFrameWriter.Current;
        members.Send(member, frames.Joined(room, snapshot.Members, snapshot.History.Count, request.Since is null ? null : snapshot.Truncated, request.Cid));
        foreach (var message in snapshot.History)
        {
            members.Send(member, frames.Message(message));
        }

        var since = request.Since is null ? (StreamId?)null : StreamId.Parse(request.Since);
        state.Cursor = new MessageCursor(snapshot.History.Count > 0 ? StreamId.Parse(snapshot.History[^1].Id) : since);
        order.SeedFromHistory(state.Cursor.Last);
        foreach (var roomEvent in HistoryMerge.LiveAfter(snapshot.History, since, state.Buffer))
        {
            if (!RoomMembers.IsAboutItself(member, roomEvent))
            {
                members.Send(member, roomEvent.Frame);
            }
        }

        state.GoLive();
        request.Outcome.TrySetResult(JoinOutcome.Joined);
    }

    private async Task LoadAsync(IRoomMember member, string? since)
    {
        try
        {
            var snapshot = await context.Backplane.LoadAsync(room, since, context.JoinHistoryCount).ConfigureAwait(false);
            inbox.TryPost(HubCommand.Loaded(member, snapshot, null));
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the hub hears of it: a join left waiting would hold its member forever.
            inbox.TryPost(HubCommand.Loaded(member, null, exception));
        }
    }
}
