using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chattorum.Tests.Integration.Hubs;

/// <summary>
/// A backplane read that fails in a way nobody planned for (not a Redis error: a bug, a parse failure) must not
/// leave a join waiting forever or a room silent: the hub treats it like any failed read and carries on.
/// </summary>
public sealed class HubFaultTests : IClassFixture<RedisFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RedisRoomBackplane _redis;
    private readonly BrokenOnce _backplane;
    private readonly RoomHubs _hubs;
    private readonly QuietRoomChecks _quietRooms = new(TimeProvider.System);

    public HubFaultTests(RedisFixture redis)
    {
        var metrics = TestMeters.Chat(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _redis = TestBackplanes.Redis(redis.Connection, metrics);
        _backplane = new BrokenOnce(_redis);
        _hubs = new RoomHubs(_backplane, new RedisPresence(redis.Connection, new ChatNode()), _quietRooms, metrics, new ChatOptions(), NullLogger<RoomHub>.Instance);
    }

    public void Dispose()
    {
        _hubs.Dispose();
        _quietRooms.Dispose();
        _redis.Dispose();
        _services.Dispose();
    }

    /// <summary>The real backplane, whose next history read or catch-up read throws when armed.</summary>
    private sealed class BrokenOnce(IRoomBackplane inner) : IRoomBackplane
    {
        private int _breakLoad;
        private int _breakRead;

        public event Action? Reconnected;

        public void BreakNextLoad() => Volatile.Write(ref _breakLoad, 1);

        public void BreakNextRead() => Volatile.Write(ref _breakRead, 1);

        public void RaiseReconnected() => Reconnected?.Invoke();

        public Task<string> PublishAsync(string room, string user, string text) => inner.PublishAsync(room, user, text);

        public Task<string> PublishOnceAsync(string room, string user, string text, string onceKey) => inner.PublishOnceAsync(room, user, text, onceKey);

        public Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent) => inner.SubscribeAsync(room, onEvent);

        public Task<RoomSnapshot> LoadAsync(string room, string? since, int count) =>
            Interlocked.Exchange(ref _breakLoad, 0) == 1 ? throw new InvalidOperationException("a load that broke") : inner.LoadAsync(room, since, count);

        public Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after) =>
            Interlocked.Exchange(ref _breakRead, 0) == 1 ? throw new FormatException("a read that broke") : inner.ReadAfterAsync(room, after);

        public Task<StreamId?> LastIdAsync(string room) => inner.LastIdAsync(room);
    }

    private static string NewRoom() => $"hubfault-{Guid.NewGuid():N}"[..24];

    private Task<JoinOutcome> Join(string room, RecordingMember member)
    {
        var request = new JoinRequest(null, null, new TaskCompletionSource<JoinOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        _hubs.Post(room, HubCommand.Register(member, request));
        return request.Outcome.Task.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_history_read_that_throws_anything_refuses_that_join_and_the_next_one_works()
    {
        var room = NewRoom();
        _backplane.BreakNextLoad();
        Assert.Equal(JoinOutcome.Unavailable, await Join(room, new RecordingMember("unlucky")));

        var next = new RecordingMember("lucky");
        Assert.Equal(JoinOutcome.Joined, await Join(room, next));
        await _backplane.PublishAsync(room, "lucky", "heard");
        Assert.Equal("heard", (await next.NextOfTypeAsync("message")).GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_catch_up_that_throws_anything_does_not_silence_the_room()
    {
        var room = NewRoom();
        var reader = new RecordingMember("reader");
        Assert.Equal(JoinOutcome.Joined, await Join(room, reader));
        await reader.NextOfTypeAsync("joined");

        _backplane.BreakNextRead();
        _backplane.RaiseReconnected();
        for (var i = 0; i < 3; i++)
        {
            await _backplane.PublishAsync(room, "writer", $"after {i}");
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"after {i}", (await reader.NextOfTypeAsync("message")).GetProperty("text").GetString());
        }
    }
}
