using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// A client is a slow consumer when its own writes stop, not when its queue is long: the server's socket here
/// is held by a valve, and the clock is the test's. A write blocked for the stall timeout gets the client
/// dropped, by the hub's next frame or by the sweep, with its transport aborted; a deep queue whose writer is not
/// blocked that long (the node behind) is queued, up to the hard limit.
/// </summary>
public sealed class WriteStallTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] Frame = """{"type":"test"}"""u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly FakeTimeProvider _time = new();
    private TcpClient? _clientSide;
    private TcpClient? _serverSide;
    private GatedStream? _valve;
    private WebSocket? _peer;
    private ChatClient? _client;
    private ChatServices? _services;
    private Task? _running;
    private int _transportAborts;

    public async Task InitializeAsync()
    {
        _listener.Start();
        _clientSide = new TcpClient();
        var accepting = _listener.AcceptTcpClientAsync();
        await _clientSide.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        _serverSide = await accepting;
        _valve = new GatedStream(_serverSide.GetStream());
        _peer = WebSocket.CreateFromStream(_clientSide.GetStream(), isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        var serverSocket = WebSocket.CreateFromStream(_valve, isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.Zero);

        // A clock, connections and backlog of this test's own, so that nothing else on the node is swept.
        _services = fixture.Server.Get<ChatServices>() with { Time = _time, Connections = new ChatConnections(), Backlog = new SendBacklog() };
        _client = new ChatClient(serverSocket, "stall_user", _services, () => Interlocked.Increment(ref _transportAborts));

        // The welcome is the first write; it stays blocked at the valve.
        _running = _client.RunAsync();
        await _valve.WriteWaiting.WaitAsync(Timeout);
    }

    private StalledWriterSweep Sweep() => new(_services!.Connections, _time);

    [Fact]
    public async Task A_write_blocked_for_the_stall_timeout_gets_the_client_dropped_by_the_sweep()
    {
        _time.Advance(ChatLimits.WriteStallTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, Sweep().Sweep());
        Assert.False(_client!.IsClosed);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Sweep().Sweep());
        Assert.Equal(1, _transportAborts);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, _client.CloseStatus);

        // Aborted: both loops end although the valve never opened, and the node forgets the client.
        await _running!.WaitAsync(Timeout);
        Assert.Equal(0, _services!.Connections.Count);
        Assert.Equal(0, _services.Backlog.Frames);
        Assert.Equal(0, Sweep().Sweep());
    }

    [Fact]
    public async Task A_deep_queue_whose_writes_go_through_is_queued_not_dropped()
    {
        // The node is behind: far more than the soft capacity queued, the write in progress blocked a while.
        for (var i = 0; i < 3 * ChatLimits.SendQueueSoftCapacity; i++)
        {
            Assert.Equal(EnqueueResult.Queued, _client!.TryEnqueue(Frame));
        }

        _time.Advance(ChatLimits.WriteStallTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(EnqueueResult.Queued, _client!.TryEnqueue(Frame));
        Assert.Equal(0, Sweep().Sweep());

        // The writes go through: everything arrives, and time without a blocked write is no stall.
        _valve!.Open();
        var received = 0;
        while (received < 1 + (3 * ChatLimits.SendQueueSoftCapacity) + 1)
        {
            received += (await ReceiveAsync()).Split('\n').Length;
        }

        _time.Advance(ChatLimits.WriteStallTimeout * 3);
        Assert.Equal(0, Sweep().Sweep());
        Assert.Equal(EnqueueResult.Queued, _client.TryEnqueue(Frame));
        Assert.False(_client.IsClosed);
        Assert.Equal(0, _transportAborts);
    }

    [Fact]
    public async Task Past_its_soft_capacity_a_stalled_client_is_full_for_the_hub_and_aborted()
    {
        for (var i = 0; i < ChatLimits.SendQueueSoftCapacity; i++)
        {
            Assert.Equal(EnqueueResult.Queued, _client!.TryEnqueue(Frame));
        }

        _time.Advance(ChatLimits.WriteStallTimeout);
        Assert.Equal(EnqueueResult.Full, _client!.TryEnqueue(Frame));
        Assert.Equal(1, _transportAborts);
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, ChatClient.NotReadingReason), (_client.CloseStatus, _client.CloseReason));
        await _running!.WaitAsync(Timeout);
        Assert.Equal(EnqueueResult.Closed, _client.TryEnqueue(Frame));
    }

    [Fact]
    public void A_queue_at_its_hard_limit_is_full_without_any_stall()
    {
        // The writer holds the welcome, blocked: the queue itself takes exactly its limit.
        for (var i = 0; i < ChatLimits.SendQueueMaxFrames; i++)
        {
            Assert.Equal(EnqueueResult.Queued, _client!.TryEnqueue(Frame));
        }

        Assert.Equal(EnqueueResult.Full, _client!.TryEnqueue(Frame));
        Assert.Equal(0, _transportAborts);
        Assert.False(_client.IsClosed);
    }

    private async Task<string> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var buffer = new byte[ChatLimits.MaxBatchBytes * 2];
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await _peer!.ReceiveAsync(buffer.AsMemory(count), timeout.Token);
            count += result.Count;
        }
        while (!result.EndOfMessage);

        return System.Text.Encoding.UTF8.GetString(buffer, 0, count);
    }

    public async Task DisposeAsync()
    {
        _valve?.Open();
        _client?.Close(WebSocketCloseStatus.NormalClosure, "done", drain: false);
        _clientSide?.Dispose();
        if (_running is not null)
        {
            await _running.WaitAsync(Timeout);
        }

        _client?.Dispose();
        _serverSide?.Dispose();
        _listener.Stop();
        _listener.Dispose();
    }
}
