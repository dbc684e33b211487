using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

public enum HubCommandKind
{
    /// <summary>Add the member: it gets <c>joined</c>, the history, then live events.</summary>
    Register,

    /// <summary>Remove the member without a reply (it disconnected).</summary>
    Unregister,

    /// <summary>Remove the member and confirm with <c>left</c>.</summary>
    Leave,

    /// <summary>A live event from the room's channel.</summary>
    Event,

    /// <summary>A member's history and member list arrived (or failed to).</summary>
    Loaded,

    /// <summary>Read the stream past the members' cursors, for <see cref="HubCommand.Reason"/>.</summary>
    CatchUp,

    /// <summary>The messages a catch-up read found arrived (or the read failed).</summary>
    CaughtUp,

    /// <summary>The room went quiet: check that its last live message is the stream's last.</summary>
    CheckTail,

    /// <summary>The stream's last id arrived (or the read failed).</summary>
    TailRead,
}

/// <summary>Why a hub reads its stream: never on a timer, only when something says it may have missed messages.</summary>
public enum CatchUpReason
{
    /// <summary>The subscription connection came back: anything published meanwhile was missed.</summary>
    Reconnected,

    /// <summary>A live message named a predecessor the channel never brought.</summary>
    Gap,

    /// <summary>A quiet room's last live message is not the stream's last: the channel dropped its tail.</summary>
    QuietTail,
}

public enum JoinOutcome
{
    Joined,
    Unavailable,
    Gone,
}

/// <summary>A member's wish to join: its reply id, where to resume, and how the hub tells it the outcome.</summary>
public sealed record JoinRequest(string? Cid, string? Since, TaskCompletionSource<JoinOutcome> Outcome);

/// <summary>
/// What a room's hub is asked to do, one kind per job; each kind fills its own typed fields. A struct, because live
/// events (the hot path) travel in it.
/// </summary>
public readonly record struct HubCommand
{
    public HubCommandKind Kind { get; private init; }

    public IRoomMember? Member { get; private init; }

    /// <summary>The client's id for its <c>leave</c>.</summary>
    public string? Cid { get; private init; }

    public RoomEvent Event { get; private init; }

    public JoinRequest? Join { get; private init; }

    public RoomSnapshot? Snapshot { get; private init; }

    public IReadOnlyList<ChatMessage>? Missed { get; private init; }

    public StreamId? Tail { get; private init; }

    /// <summary>Why a read failed (<see cref="HubCommandKind.Loaded"/>, <see cref="HubCommandKind.CaughtUp"/>, <see cref="HubCommandKind.TailRead"/>).</summary>
    public Exception? Error { get; private init; }

    public CatchUpReason Reason { get; private init; }

    public static HubCommand Register(IRoomMember member, JoinRequest request) => new() { Kind = HubCommandKind.Register, Member = member, Join = request };

    public static HubCommand Unregister(IRoomMember member) => new() { Kind = HubCommandKind.Unregister, Member = member };

    public static HubCommand Leave(IRoomMember member, string? cid) => new() { Kind = HubCommandKind.Leave, Member = member, Cid = cid };

    public static HubCommand Live(RoomEvent roomEvent) => new() { Kind = HubCommandKind.Event, Event = roomEvent };

    public static HubCommand Loaded(IRoomMember member, RoomSnapshot? snapshot, Exception? error) =>
        new() { Kind = HubCommandKind.Loaded, Member = member, Snapshot = snapshot, Error = error };

    public static HubCommand CatchUp(CatchUpReason reason) => new() { Kind = HubCommandKind.CatchUp, Reason = reason };

    public static HubCommand CaughtUp(IReadOnlyList<ChatMessage>? missed, Exception? error, CatchUpReason reason) =>
        new() { Kind = HubCommandKind.CaughtUp, Missed = missed, Error = error, Reason = reason };

    public static HubCommand CheckTail() => new() { Kind = HubCommandKind.CheckTail };

    public static HubCommand TailRead(StreamId? tail, Exception? error) => new() { Kind = HubCommandKind.TailRead, Tail = tail, Error = error };
}
