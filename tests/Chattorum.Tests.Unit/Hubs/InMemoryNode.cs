using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.Hubs;

/// <summary>
/// One chat node's hubs over the in-memory backplane and presence: several sharing one <see cref="InMemoryRooms"/>
/// behave like nodes sharing one Redis. Counts the stream reads its hubs make, and drives the quiet-room check by hand
/// on a fake clock.
/// </summary>
internal sealed class InMemoryNode : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public InMemoryNode(InMemoryRooms rooms, string name, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(DateTimeOffset.UtcNow);
        Backplane = new CountingBackplane(new InMemoryRoomBackplane(rooms));
        QuietRooms = new QuietRoomChecks(Time);
        Hubs = new RoomHubs(Backplane, new InMemoryPresence(rooms, name), QuietRooms, TestMeters.Chat(), new ChatOptions(), NullLogger<RoomHub>.Instance);
    }

    public FakeTimeProvider Time { get; }

    public CountingBackplane Backplane { get; }

    public QuietRoomChecks QuietRooms { get; }

    public RoomHubs Hubs { get; }

    public (RoomHub Hub, Task<JoinOutcome> Outcome) Join(string room, IRoomMember member, string? cid = null, string? since = null)
    {
        var request = new JoinRequest(cid, since, new TaskCompletionSource<JoinOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        return (Hubs.Post(room, HubCommand.Register(member, request)), request.Outcome.Task);
    }

    public async Task<System.Text.Json.JsonElement> JoinedAsync(string room, RecordingMember member, string? cid = null, string? since = null)
    {
        var (_, outcome) = Join(room, member, cid, since);
        Assert.Equal(JoinOutcome.Joined, await outcome.WaitAsync(Timeout));
        return await member.NextOfTypeAsync("joined");
    }

    public void Dispose()
    {
        Hubs.Dispose();
        QuietRooms.Dispose();
    }

    /// <summary>The in-memory backplane, counting the reads a hub makes beyond joins (catch-up and tail reads).</summary>
    internal sealed class CountingBackplane(InMemoryRoomBackplane inner) : IRoomBackplane
    {
        private int _catchUpReads;
        private int _tailReads;

        public event Action? Reconnected
        {
            add => inner.Reconnected += value;
            remove => inner.Reconnected -= value;
        }

        public int CatchUpReads => Volatile.Read(ref _catchUpReads);

        public int TailReads => Volatile.Read(ref _tailReads);

        public void RaiseReconnected() => inner.RaiseReconnected();

        public Task<string> PublishAsync(string room, string user, string text) => inner.PublishAsync(room, user, text);

        public Task<string> PublishOnceAsync(string room, string user, string text, string onceKey) => inner.PublishOnceAsync(room, user, text, onceKey);

        public Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent) => inner.SubscribeAsync(room, onEvent);

        public Task<RoomSnapshot> LoadAsync(string room, string? since, int count) => inner.LoadAsync(room, since, count);

        public Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after)
        {
            Interlocked.Increment(ref _catchUpReads);
            return inner.ReadAfterAsync(room, after);
        }

        public Task<StreamId?> LastIdAsync(string room)
        {
            Interlocked.Increment(ref _tailReads);
            return inner.LastIdAsync(room);
        }
    }
}
