using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// <see cref="IRoomBackplane"/> over <see cref="InMemoryRooms"/>: one process, no Redis. For hub tests, and for
/// several in-process "nodes" sharing one store.
/// </summary>
public sealed class InMemoryRoomBackplane(InMemoryRooms rooms) : IRoomBackplane
{
    public event Action? Reconnected;

    public Task<string> PublishAsync(string room, string user, string text) => Task.FromResult(rooms.Append(room, user, text));

    public Task<string> PublishOnceAsync(string room, string user, string text, string onceKey) =>
        Task.FromResult(rooms.Append(room, user, text, onceKey: $"{room}:{onceKey}"));

    public Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent) =>
        Task.FromResult<IAsyncDisposable>(new Subscription(rooms.Subscribe(room, onEvent)));

    public Task<RoomSnapshot> LoadAsync(string room, string? since, int count) => Task.FromResult(rooms.Load(room, since, count));

    public Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after) => Task.FromResult(rooms.ReadAfter(room, after));

    public Task<StreamId?> LastIdAsync(string room) => Task.FromResult(rooms.LastId(room));

    /// <summary>What the Redis backplane raises when its subscription connection comes back.</summary>
    public void RaiseReconnected() => Reconnected?.Invoke();

    private sealed class Subscription(IDisposable subscription) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            subscription.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
