namespace Chattorum.ChatApi.Backplane;

/// <summary><see cref="IRoomPresence"/> over <see cref="InMemoryRooms"/>, as node <paramref name="node"/>.</summary>
public sealed class InMemoryPresence(InMemoryRooms rooms, string node) : IRoomPresence
{
    public Task OpenRoomAsync(string room) => Task.CompletedTask;

    public Task JoinAsync(string room, string user)
    {
        rooms.Join(room, user, node);
        return Task.CompletedTask;
    }

    public Task LeaveAsync(string room, string user)
    {
        rooms.Leave(room, user, node);
        return Task.CompletedTask;
    }

    public Task CloseRoomAsync(string room) => Task.CompletedTask;
}
