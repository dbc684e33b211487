using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A real client WebSocket (a <see cref="ClientWebSocket"/>, or one over a socket of its own, see
/// <see cref="ConnectRawAsync"/>) that collects every frame the server sends, in order.
/// </summary>
public sealed class ChatTestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly WebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();

    // Acks answer sends and race the messages themselves, so they are kept apart from the room's stream.
    private readonly Channel<JsonElement> _acks = Channel.CreateUnbounded<JsonElement>();
    private int _webSocketFrames;
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiving = Task.CompletedTask;
    private HttpMessageInvoker? _invoker;
    private int _nextCid;

    // Set while reading is paused: the receive loop waits on it before its next read.
    private volatile TaskCompletionSource? _paused;

    private ChatTestClient(WebSocket socket, string name, bool read)
    {
        _socket = socket;
        Name = name;
        if (read)
        {
            StartReading();
        }
    }

    public string Name { get; }

    public WebSocketState State => _socket.State;

    /// <summary>Signs the user up (or reuses its token) and connects.</summary>
    public static async Task<ChatTestClient> ConnectAsync(IChatEndpoint node, string name) =>
        await ConnectAsync(node.WebSocketUri(), name, await node.TokenAsync(name));

    public static async Task<ChatTestClient> ConnectAsync(Uri webSocketUri, string name, string token)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(webSocketUri, timeout.Token);
        var client = new ChatTestClient(socket, name, read: true);
        var welcome = await client.NextAsync();
        Assert.Equal("welcome", welcome.GetProperty("type").GetString());
        Assert.Equal(Chattorum.ChatApi.Protocol.ProtocolVersion.Current, welcome.GetProperty("protocol").GetInt32());
        Assert.Equal(name, welcome.GetProperty("user").GetString());
        return client;
    }

    /// <summary>The <c>welcome</c> a node sends a new connection of <paramref name="name"/> (the connection is then closed).</summary>
    public static async Task<JsonElement> WelcomeAsync(IChatEndpoint node, string name)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {await node.TokenAsync(name)}");
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(node.WebSocketUri(), timeout.Token);
        await using var client = new ChatTestClient(socket, name, read: true);
        var welcome = await client.NextAsync();
        Assert.Equal("welcome", Type(welcome));
        return welcome;
    }

    /// <summary>
    /// A client that reads nothing until told to, over a socket with a 4 KiB receive buffer, so that the
    /// server's sends back up quickly: a slow consumer.
    /// </summary>
    public static async Task<ChatTestClient> ConnectWithoutReadingAsync(IChatEndpoint node, string name)
    {
        var token = await node.TokenAsync(name);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var client = new ClientWebSocket();
        client.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        var invoker = new HttpMessageInvoker(handler);
        await client.ConnectAsync(node.WebSocketUri(), invoker, timeout.Token);
        return new ChatTestClient(client, name, read: false) { _invoker = invoker };
    }

    /// <summary>
    /// Signs the user up and connects over a socket of its own with a small receive buffer, writing the upgrade by
    /// hand: as the connection's first request (upgraded below HTTP by the chat listener) or, with
    /// <paramref name="afterAnotherRequest"/>, after a plain request on the same connection (the HTTP fallback).
    /// It reads the welcome and goes on reading until <see cref="PauseReading"/>.
    /// </summary>
    public static async Task<ChatTestClient> ConnectRawAsync(IChatEndpoint node, string name, bool afterAnotherRequest, int receiveBufferBytes = 4096)
    {
        var token = await node.TokenAsync(name);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = receiveBufferBytes, NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(node.BaseUri.Host, node.BaseUri.Port, timeout.Token);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var authority = node.BaseUri.Authority;
            if (afterAnotherRequest)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {authority}\r\n\r\n"), timeout.Token);
                var health = await ReadResponseHeadAsync(stream, timeout.Token);
                Assert.StartsWith("HTTP/1.1 200", health, StringComparison.Ordinal);
                await SkipBodyAsync(stream, health, timeout.Token);
            }

            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"GET /ws HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
                $"Sec-WebSocket-Key: {key}\r\nAuthorization: Bearer {token}\r\n\r\n"), timeout.Token);
            var head = await ReadResponseHeadAsync(stream, timeout.Token);
            Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
            var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
            var client = new ChatTestClient(webSocket, name, read: true);
            var welcome = await client.NextAsync();
            Assert.Equal("welcome", welcome.GetProperty("type").GetString());
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads a response's body, of the length its head gives or chunked, so that the next response starts clean.</summary>
    private static async Task SkipBodyAsync(Stream stream, string head, CancellationToken cancellationToken)
    {
        var lines = head.Split("\r\n");
        if (lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } length)
        {
            await stream.ReadExactlyAsync(new byte[int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);
            return;
        }

        var body = new StringBuilder();
        var one = new byte[1];
        while (lines.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) && !body.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            body.Append((char)one[0]);
        }
    }

    /// <summary>A response's head, read a byte at a time so that nothing after it is taken.</summary>
    private static async Task<string> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException($"the connection closed after: {head}");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    public void StartReading() => _receiving = Task.Run(ReceiveLoopAsync);

    /// <summary>
    /// Stops reading after the read in progress (whose frames are still taken in): what the server sends from then
    /// on stays in the sockets until <see cref="ResumeReading"/>.
    /// </summary>
    public void PauseReading() => _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    /// <summary>
    /// A pause before each read of the socket, which takes at most what the socket holds (a few KiB for a client
    /// of <see cref="ConnectRawAsync"/>): a client with little bandwidth, that reads slowly but steadily (null:
    /// as fast as it can).
    /// </summary>
    public TimeSpan? ReadPause { get; set; }

    public string NextCid() => $"{Name}-{Interlocked.Increment(ref _nextCid)}";

    public Task SendAsync(object frame) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(frame));

    public async Task SendRawAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text, bool endOfMessage = true)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(bytes, type, endOfMessage, timeout.Token);
    }

    public Task SendTextAsync(string json) => SendRawAsync(Encoding.UTF8.GetBytes(json));

    public async Task<JsonElement> JoinAsync(string room, string? since = null)
    {
        var cid = NextCid();
        await SendAsync(since is null ? new { type = "join", room, cid } : new { type = "join", room, cid, since });
        var reply = await WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
        Assert.True(Type(reply) == "joined", $"{Name}: join {room} answered {reply}");
        return reply;
    }

    public async Task<string> SendMessageAsync(string room, string text)
    {
        var cid = NextCid();
        await SendAsync(new { type = "send", room, text, cid });
        return cid;
    }

    /// <summary>The next frame, whatever it is.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _frames.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: no frame within {timeout ?? DefaultTimeout}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Name}: the connection closed ({_closed.Task.Result.Status} {_closed.Task.Result.Reason})");
        }
    }

    /// <summary>The acks of this client's sends, in the order they came.</summary>
    public async Task<List<JsonElement>> AcksAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var acks = new List<JsonElement>(count);
        try
        {
            while (acks.Count < count)
            {
                acks.Add(await _acks.Reader.ReadAsync(cts.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name}: {acks.Count} of {count} acks arrived");
        }

        return acks;
    }

    /// <summary>The answer to a send: its ack or its error. Other frames that come first are dropped.</summary>
    public async Task<JsonElement> ReplyToAsync(string cid, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        static bool Answers(JsonElement frame, string cid) => frame.TryGetProperty("cid", out var c) && c.GetString() == cid;
        while (true)
        {
            if (_acks.Reader.TryRead(out var ack))
            {
                if (Answers(ack, cid))
                {
                    return ack;
                }
            }
            else if (_frames.Reader.TryRead(out var frame))
            {
                if (Type(frame) == "error" && Answers(frame, cid))
                {
                    return frame;
                }
            }
            else
            {
                await Task.WhenAny(_acks.Reader.WaitToReadAsync(cts.Token).AsTask(), _frames.Reader.WaitToReadAsync(cts.Token).AsTask());
                if (cts.IsCancellationRequested)
                {
                    throw new TimeoutException($"{Name}: no answer to {cid}");
                }
            }
        }
    }

    /// <summary>The acks received so far, without waiting.</summary>
    public List<JsonElement> DrainAcks()
    {
        var acks = new List<JsonElement>();
        while (_acks.Reader.TryRead(out var ack))
        {
            acks.Add(ack);
        }

        return acks;
    }

    /// <summary>Skips frames until one matches.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = await NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Collects frames until <paramref name="count"/> of them match.</summary>
    public async Task<List<JsonElement>> CollectAsync(Func<JsonElement, bool> match, int count, TimeSpan? timeout = null)
    {
        var found = new List<JsonElement>(count);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (found.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name}: {found.Count} of {count} frames arrived");
            }

            var frame = await NextAsync(left);
            if (match(frame))
            {
                found.Add(frame);
            }
        }

        return found;
    }

    /// <summary>Every frame received so far without waiting.</summary>
    public List<JsonElement> Drain()
    {
        var frames = new List<JsonElement>();
        while (_frames.Reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    public async Task<(WebSocketCloseStatus? Status, string? Reason)> WaitClosedAsync(TimeSpan? timeout = null) =>
        await _closed.Task.WaitAsync(timeout ?? DefaultTimeout);

    public static string? Type(JsonElement frame) => frame.GetProperty("type").GetString();

    public static bool IsMessageIn(JsonElement frame, string room) =>
        Type(frame) == "message" && frame.GetProperty("room").GetString() == room;

    public void Abort() => _socket.Abort();

    /// <summary>Starts the close handshake and waits for the server's answer.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            if (_receiving.IsCompleted)
            {
                return;
            }

            await WaitClosedAsync();
        }
    }

    /// <summary>WebSocket frames received so far (each holds one or more JSON objects).</summary>
    public int WebSocketFrames => Volatile.Read(ref _webSocketFrames);

    private static IEnumerable<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> frame)
    {
        while (frame.Span.IndexOf((byte)'\n') is var newline and >= 0)
        {
            yield return frame[..newline];
            frame = frame[(newline + 1)..];
        }

        yield return frame;
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                WebSocketReceiveResult result;
                if (_paused is { } paused)
                {
                    await paused.Task;
                }

                do
                {
                    if (ReadPause is { } pause)
                    {
                        await Task.Delay(pause);
                    }

                    result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription));
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    return;
                }

                // A server frame holds one JSON object per line (several when the server coalesced its writes).
                Interlocked.Increment(ref _webSocketFrames);
                foreach (var line in Lines(buffer.AsMemory(0, count)))
                {
                    using var document = JsonDocument.Parse(line);
                    var frame = document.RootElement.Clone();
                    (Type(frame) == "ack" ? _acks : _frames).Writer.TryWrite(frame);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            _closed.TrySetResult((null, exception.Message));
        }
        finally
        {
            _frames.Writer.TryComplete();
            _acks.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        ResumeReading();
        try
        {
            await CloseAsync();
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // Already gone.
        }

        _socket.Abort();
        await _receiving;
        _socket.Dispose();
        _invoker?.Dispose();
    }
}
