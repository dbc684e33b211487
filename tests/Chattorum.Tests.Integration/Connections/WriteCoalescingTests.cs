using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// A client's writer joins what is queued while it is busy into newline-separated frames, keeps their order,
/// and never writes a joined frame over <see cref="ChatLimits.MaxBatchBytes"/>. The server's socket here is
/// held back by a gate, so that frames pile up behind the first write exactly when the test says.
/// </summary>
public sealed class WriteCoalescingTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private TcpClient? _clientSide;
    private TcpClient? _serverSide;
    private GatedStream? _gate;
    private WebSocket? _peer;
    private ChatClient? _client;
    private Task? _running;

    public async Task InitializeAsync()
    {
        _listener.Start();
        _clientSide = new TcpClient();
        var accepting = _listener.AcceptTcpClientAsync();
        await _clientSide.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        _serverSide = await accepting;
        _gate = new GatedStream(_serverSide.GetStream());
        _peer = WebSocket.CreateFromStream(_clientSide.GetStream(), isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        var serverSocket = WebSocket.CreateFromStream(_gate, isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        _client = new ChatClient(serverSocket, "alice", fixture.Server.Get<ChatServices>());

        // The welcome is the first write; it waits at the gate while the test queues more.
        _running = _client.RunAsync();
        await _gate.WriteWaiting.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Frames_queued_behind_a_write_go_out_joined_by_newlines_in_order()
    {
        var frames = Enumerable.Range(1, 10).Select(i => $$"""{"type":"test","n":{{i}}}""").ToList();
        foreach (var frame in frames)
        {
            Assert.Equal(EnqueueResult.Queued, _client!.TryEnqueue(Encoding.UTF8.GetBytes(frame)));
        }

        _gate!.Open();

        Assert.StartsWith("""{"type":"welcome""", await ReceiveAsync());
        Assert.Equal(string.Join('\n', frames), await ReceiveAsync());
    }

    [Fact]
    public async Task A_lone_frame_goes_out_as_it_is()
    {
        _gate!.Open();
        Assert.DoesNotContain('\n', await ReceiveAsync());

        _client!.TryEnqueue("""{"type":"test"}"""u8.ToArray());
        Assert.Equal("""{"type":"test"}""", await ReceiveAsync());
    }

    [Fact]
    public async Task Joined_frames_stay_within_the_batch_limit_and_lose_nothing()
    {
        // 100 frames of 1,000 bytes: over three batches' worth.
        var frames = Enumerable.Range(0, 100).Select(i => $$"""{"type":"test","n":{{i:D3}},"pad":"{{new string('x', 975)}}"}""").ToList();
        foreach (var frame in frames)
        {
            _client!.TryEnqueue(Encoding.UTF8.GetBytes(frame));
        }

        _gate!.Open();
        await ReceiveAsync();
        var received = new List<string>();
        var writes = 0;
        while (received.Count < frames.Count)
        {
            var text = await ReceiveAsync();
            Assert.True(Encoding.UTF8.GetByteCount(text) <= ChatLimits.MaxBatchBytes, $"a joined frame of {text.Length} bytes");
            received.AddRange(text.Split('\n'));
            writes++;
        }

        Assert.Equal(frames, received);
        Assert.InRange(writes, 100 * 1_001 / ChatLimits.MaxBatchBytes + 1, 10);
    }

    [Fact]
    public async Task A_frame_larger_than_the_batch_limit_goes_out_alone_between_its_neighbours()
    {
        var large = $$"""{"type":"test","pad":"{{new string('y', ChatLimits.MaxBatchBytes)}}"}""";
        string[] frames = ["""{"type":"test","n":1}""", large, """{"type":"test","n":2}"""];
        foreach (var frame in frames)
        {
            _client!.TryEnqueue(Encoding.UTF8.GetBytes(frame));
        }

        _gate!.Open();
        await ReceiveAsync();
        Assert.Equal(frames[0], await ReceiveAsync());
        Assert.Equal(large, await ReceiveAsync());
        Assert.Equal(frames[2], await ReceiveAsync());
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

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return Encoding.UTF8.GetString(buffer, 0, count);
    }

    public async Task DisposeAsync()
    {
        _gate?.Open();
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
