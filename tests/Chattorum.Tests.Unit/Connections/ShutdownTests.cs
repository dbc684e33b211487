using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;
using Chattorum.ChatApi.Upgrade;
using Chattorum.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>
/// A connection's goodbye when its node shuts down (issue 14), over a real WebSocket pair and a store that holds
/// each send until the test lets it through: the sends already handed to the store are answered before the 1001,
/// the frames read after the goodbye started are refused in their turn, and a send the store never answers is not
/// waited for past the grace.
/// </summary>
public sealed class ShutdownTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly InMemoryRooms _rooms = new();
    private readonly HeldBackplane _store;
    private readonly QuietRoomChecks _quietRooms;
    private readonly RoomHubs _hubs;
    private readonly ChatServices _services;
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly WebSocket _client;
    private readonly Task _serving;
    private readonly Channel<JsonElement> _lines = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _receiving;

    public ShutdownTests()
    {
        var metrics = TestMeters.Chat(Meters);
        _store = new HeldBackplane(new InMemoryRoomBackplane(_rooms));
        _quietRooms = new QuietRoomChecks(_time);
        _hubs = new RoomHubs(_store, new InMemoryPresence(_rooms, "node"), _quietRooms, metrics, new ChatOptions(), NullLogger<RoomHub>.Instance);
        _services = new ChatServices(
            _hubs, new ChatConnections(), new SendBacklog(), _store,
            new CommandGateway(new FixedWindowLimiter(null!), new CommandPublisher(null!, NullLogger<CommandPublisher>.Instance), metrics, new ChatOptions(), _time),
            metrics, _time, new ChatOptions(), NullLogger<ChatClient>.Instance);
        var server = WebSocket.CreateFromStream(new TransportStream(new Duplex(_toServer.Reader, _toClient.Writer)), new WebSocketCreationOptions { IsServer = true });
        _client = WebSocket.CreateFromStream(new TransportStream(new Duplex(_toClient.Reader, _toServer.Writer)), new WebSocketCreationOptions { IsServer = false });
        _serving = new ChatClient(server, "alice", _services).RunAsync();
        _receiving = Task.Run(ReceiveAsync);
    }

    private IMeterFactory Meters => _meters.GetRequiredService<IMeterFactory>();

    [Fact]
    public async Task The_sends_in_flight_are_acked_and_the_frames_after_are_refused_in_order_before_the_1001()
    {
        using var rejected = new MetricCollector<long>(Meters, ChatMetrics.MeterName, "chat.frames.rejected");
        await JoinAsync();
        await SendAsync(new { type = "send", room = "lobby", text = "in flight", cid = "s1" });
        await _store.Held.WaitAsync(Timeout);

        _services.Connections.CloseAll(ChatClient.ShuttingDownReason);
        await SendAsync(new { type = "ping", cid = "p1" });
        await SendAsync(new { type = "send", room = "lobby", text = "too late", cid = "s2" });
        await SendRawAsync("not json"u8.ToArray());
        await rejected.WaitForMeasurementsAsync(3, Timeout);
        _store.Release();

        var (answers, status, reason) = await ReadToTheCloseAsync();
        Assert.Equal(["ack s1", "error unavailable ping p1", "error unavailable send s2", "error bad_json"], answers);
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, ChatClient.ShuttingDownReason), (status, reason));
        Assert.Equal(["in flight"], _store.Stored);
    }

    [Fact]
    public async Task A_send_the_store_never_answers_is_not_waited_for_past_the_grace_and_the_close_says_so()
    {
        await JoinAsync();
        await SendAsync(new { type = "send", room = "lobby", text = "stuck", cid = "s1" });
        await _store.Held.WaitAsync(Timeout);

        _services.Connections.CloseAll(ChatClient.ShuttingDownReason);
        _time.Advance(ChatLimits.ShutdownGrace - TimeSpan.FromMilliseconds(1));
        await Task.Delay(200);
        Assert.False(_closed.Task.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var (answers, status, reason) = await ReadToTheCloseAsync();
        Assert.Empty(answers);
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, ChatClient.ShuttingDownReason + ChatClient.GraceOverSuffix), (status, reason));
    }

    [Fact]
    public async Task A_connection_with_nothing_in_flight_says_goodbye_at_once()
    {
        await JoinAsync();
        _services.Connections.CloseAll(ChatClient.ShuttingDownReason);
        var (answers, status, _) = await ReadToTheCloseAsync();
        Assert.Empty(answers);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
    }

    private async Task JoinAsync()
    {
        Assert.Equal("welcome", Type(await NextAsync()));
        await SendAsync(new { type = "join", room = "lobby", cid = "j" });
        while (Type(await NextAsync()) != "joined")
        {
        }
    }

    private Task SendAsync(object frame) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(frame));

    private Task SendRawAsync(byte[] frame) => _client.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task<JsonElement> NextAsync() => await _lines.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

    /// <summary>Every object the server sends, a line at a time, until its close frame, which it answers.</summary>
    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await _client.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                    await _client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                foreach (var line in Encoding.UTF8.GetString(buffer, 0, result.Count).Split('\n'))
                {
                    _lines.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult((null, exception.Message));
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    /// <summary>The answers to the client's frames (acks and errors, not the room's messages) until the close, and the close.</summary>
    private async Task<(List<string> Answers, WebSocketCloseStatus? Status, string? Reason)> ReadToTheCloseAsync()
    {
        var (status, reason) = await _closed.Task.WaitAsync(Timeout);
        await _serving.WaitAsync(Timeout);
        var answers = new List<string>();
        while (_lines.Reader.TryRead(out var frame))
        {
            string? Text(string name) => frame.TryGetProperty(name, out var value) ? value.GetString() : null;
            if (Type(frame) is "ack" or "error")
            {
                answers.Add(string.Join(' ', new[] { Type(frame), Text("code"), Text("frame"), Text("cid") }.OfType<string>()));
            }
        }

        return (answers, status, reason);
    }

    private static string? Type(JsonElement frame) => frame.GetProperty("type").GetString();

    public async ValueTask DisposeAsync()
    {
        _store.Release();
        _client.Abort();
        await _serving.WaitAsync(Timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _receiving.WaitAsync(Timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client.Dispose();
        _hubs.Dispose();
        _quietRooms.Dispose();
        await _meters.DisposeAsync();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    /// <summary>The in-memory store, holding every send until <see cref="Release"/>.</summary>
    private sealed class HeldBackplane(InMemoryRoomBackplane inner) : IRoomBackplane
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public event Action? Reconnected
        {
            add => inner.Reconnected += value;
            remove => inner.Reconnected -= value;
        }

        /// <summary>Completes once a send is held.</summary>
        public Task Held => _held.Task;

        public List<string> Stored { get; } = [];

        public void Release() => _release.TrySetResult();

        public async Task<string> PublishAsync(string room, string user, string text)
        {
            _held.TrySetResult();
            await _release.Task;
            lock (Stored)
            {
                Stored.Add(text);
            }

            return await inner.PublishAsync(room, user, text);
        }

        public Task<string> PublishOnceAsync(string room, string user, string text, string onceKey) => inner.PublishOnceAsync(room, user, text, onceKey);

        public Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent) => inner.SubscribeAsync(room, onEvent);

        public Task<RoomSnapshot> LoadAsync(string room, string? since, int count) => inner.LoadAsync(room, since, count);

        public Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after) => inner.ReadAfterAsync(room, after);

        public Task<StreamId?> LastIdAsync(string room) => inner.LastIdAsync(room);
    }
}
