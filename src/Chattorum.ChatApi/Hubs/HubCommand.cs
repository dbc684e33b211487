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

    /// <summary>Read the stream past the members' cursors: after a reconnection, and periodically.</summary>
    Resync,

    /// <summary>The messages missed during a disconnection arrived (or failed to).</summary>
    Resynced,
}

public enum JoinOutcome
{
    Joined,
    Unavailable,
    Gone,
}

/// <summary>A member's wish to join: its reply id, where to resume, and how the hub tells it the outcome.</summary>
public sealed record JoinRequest(string? Cid, string? Since, TaskCompletionSource<JoinOutcome> Outcome);

public readonly record struct HubCommand(
    HubCommandKind Kind,
    IRoomMember? Member = null,
    string? Cid = null,
    RoomEvent Event = default,
    object? Payload = null)
{
    public static HubCommand Register(IRoomMember member, JoinRequest request) => new(HubCommandKind.Register, member, request.Cid, Payload: request);

    public static HubCommand Unregister(IRoomMember member) => new(HubCommandKind.Unregister, member);

    public static HubCommand Leave(IRoomMember member, string? cid) => new(HubCommandKind.Leave, member, cid);

    public static HubCommand Live(RoomEvent roomEvent) => new(HubCommandKind.Event, Event: roomEvent);

    /// <summary><paramref name="result"/> is a <see cref="RoomSnapshot"/> or the exception that stopped the read.</summary>
    public static HubCommand Loaded(IRoomMember member, object result) => new(HubCommandKind.Loaded, member, Payload: result);

    /// <summary>A catch-up read: after a reconnection (missed messages expected), or periodic (a miss means the channel dropped one).</summary>
    public static HubCommand Resync(bool afterReconnection) => new(HubCommandKind.Resync, Payload: afterReconnection);

    /// <summary><paramref name="result"/> is an <see cref="IReadOnlyList{ChatMessage}"/> or the exception that stopped the read.</summary>
    public static HubCommand Resynced(object result, bool afterReconnection) => new(HubCommandKind.Resynced, Cid: afterReconnection ? "reconnection" : null, Payload: result);
}
