namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Who is in which room, across nodes, per user: <c>joined</c> on a user's first connection anywhere, <c>left</c> on
/// their last. A hub calls it from its loop, so the calls for one room come in order; presence events travel on the
/// room's channel with its messages. Like <see cref="IRoomBackplane"/>, in Redis for a deployment and in memory for tests.
/// </summary>
public interface IRoomPresence
{
    /// <summary>A hub for the room starts on this node; before any <see cref="JoinAsync"/> in it.</summary>
    Task OpenRoomAsync(string room);

    /// <summary>This node now has <paramref name="user"/> in the room (its first connection here).</summary>
    Task JoinAsync(string room, string user);

    /// <summary>This node no longer has <paramref name="user"/> in the room (its last connection here left).</summary>
    Task LeaveAsync(string room, string user);

    /// <summary>The room's hub on this node retired, after its last <see cref="LeaveAsync"/> completed.</summary>
    Task CloseRoomAsync(string room);
}
