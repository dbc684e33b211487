using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// A client that stops reading (<c>--stopped-readers</c>): a user of its own on a socket with a small receive
/// buffer, it joins its rooms like the other connections, reads for <see cref="ReadSeconds"/> after its last join,
/// then never reads again. It then watches its own TCP connection (the kernel's state of the socket, as
/// <c>ss</c> shows it) for the server ending it, which a node must do within <see cref="DropLimitSeconds"/>.
/// It is no receiver: what it got is not counted. With a protocol that has no joins (gorilla), it is in the room
/// once the upgrade is answered, and reads for <see cref="ReadSeconds"/> from then.
/// </summary>
internal sealed class StoppedReader : IDisposable
{
    /// <summary>
    /// The bar of the slow-readers issue (issue 9): a client that stops reading is gone within 15 s (the node
    /// drops a writer stalled for 5 s, <c>ChatLimits.WriteStallTimeout</c>, and sweeps once a second).
    /// </summary>
    public const double DropLimitSeconds = 15;

    /// <summary>How long it reads after its last join before it stops.</summary>
    public const double ReadSeconds = 1;

    /// <summary>The receive buffer asked for before connecting (the kernel doubles it for its own bookkeeping).</summary>
    public const int ReceiveBufferBytes = 4 * 1024;

    // How often the connection's state is looked at once it stopped reading: the resolution of the figure.
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(20);

    // Linux: getsockopt(IPPROTO_TCP, TCP_INFO); the first byte of struct tcp_info is the state.
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const byte TcpEstablished = 1;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = ReceiveBufferBytes, NoDelay = true };
    private readonly IWireProtocol _protocol;
    private readonly TaskCompletionSource<long> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocket? _webSocket;
    private Task _watching = Task.CompletedTask;
    private long _endedAt = -1;
    private long _bytesRead;

    public StoppedReader(IWireProtocol protocol, int index, IReadOnlyList<int> rooms, Uri node)
    {
        _protocol = protocol;
        Index = index;
        Rooms = rooms;
        Node = node;
    }

    /// <summary>k, for the k-th stopped reader (user <c>lt&lt;run&gt;s&lt;k&gt;</c>).</summary>
    public int Index { get; }

    public IReadOnlyList<int> Rooms { get; }

    public Uri Node { get; }

    /// <summary>When it stopped reading (a <see cref="Clock"/> timestamp), once it has.</summary>
    public Task<long> Stopped => _stopped.Task;

    /// <summary>When it saw the server end its connection, or -1.</summary>
    public long EndedAt => Volatile.Read(ref _endedAt);

    /// <summary>What went wrong before it stopped reading (it could not join, the server closed it while it read).</summary>
    public string? Failure { get; private set; }

    public long BytesRead => Volatile.Read(ref _bytesRead);

    public static string UserName(string runId, int k) => string.Create(CultureInfo.InvariantCulture, $"lt{runId}s{k}");

    /// <summary>
    /// Connects (a raw socket whose receive buffer is set before the connect, with the WebSocket upgrade written
    /// here), joins every room when the protocol has joins, waiting for each <c>joined</c>, and returns; it goes on
    /// reading for <see cref="ReadSeconds"/> in the background, then stops and starts watching its connection.
    /// </summary>
    public async Task OpenAsync(string? token, Func<int, string> roomName, CancellationToken cancellationToken)
    {
        var host = Node.DnsSafeHost;
        var address = IPAddress.TryParse(host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false))[0];
        await _socket.ConnectAsync(new IPEndPoint(address, Node.Port), cancellationToken).ConfigureAwait(false);
        CheckTcpInfo();
        var stream = new NetworkStream(_socket, ownsSocket: false);
        await UpgradeAsync(stream, token, cancellationToken).ConfigureAwait(false);
        _webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });

        var buffer = new byte[16 * 1024];
        if (_protocol.JoinsRooms)
        {
            await JoinAsync(buffer, roomName, cancellationToken).ConfigureAwait(false);
        }

        _watching = ReadThenStopAsync(buffer);
    }

    /// <summary>Chattorum's joins, on the raw WebSocket: <c>welcome</c>, then each room's <c>join</c> and its <c>joined</c>.</summary>
    private async Task JoinAsync(byte[] buffer, Func<int, string> roomName, CancellationToken cancellationToken)
    {
        await ReadUntilAsync(buffer, ServerLineKind.Welcome, cid: null, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < Rooms.Count; k++)
        {
            var cid = Receiver.JoinCid(k);
            var join = ChattorumProtocol.JoinFrame(roomName(Rooms[k]), cid);
            await _webSocket!.SendAsync(join, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            await ReadUntilAsync(buffer, ServerLineKind.Joined, cid, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the server has ended the connection or <see cref="DropLimitSeconds"/> have passed since it
    /// stopped reading (or since it should have, when nothing came for it to read), whichever is first.
    /// </summary>
    public async Task WaitAsync(CancellationToken cancellationToken) => await _watching.WaitAsync(cancellationToken).ConfigureAwait(false);

    private async Task ReadThenStopAsync(byte[] buffer)
    {
        var stopAt = Clock.Now + Clock.Ticks(ReadSeconds);
        var reading = ReadUntilTimeAsync(buffer, stopAt);

        // Nothing to read means nothing to stop: a reader still parked in a read when its limit has passed is
        // reported as one that never stopped.
        var limit = stopAt + Clock.Ticks(DropLimitSeconds);
        await Task.WhenAny(reading, Clock.DelayUntilAsync(limit, CancellationToken.None)).ConfigureAwait(false);
        if (!reading.IsCompleted)
        {
            Failure ??= "nothing came to read after its join, so it never stopped reading";
            _stopped.TrySetResult(stopAt);
            return;
        }

        if (Failure is not null)
        {
            _stopped.TrySetResult(Clock.Now);
            return;
        }

        var stoppedAt = Clock.Now;
        _stopped.TrySetResult(stoppedAt);
        var deadline = stoppedAt + Clock.Ticks(DropLimitSeconds);
        while (true)
        {
            if (!Established())
            {
                Volatile.Write(ref _endedAt, Clock.Now);
                return;
            }

            if (Clock.Now >= deadline)
            {
                return;
            }

            await Task.Delay(WatchInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Reads (and drops) frames until <paramref name="stopAt"/>, checked after each frame.</summary>
    private async Task ReadUntilTimeAsync(byte[] buffer, long stopAt)
    {
        try
        {
            while (Clock.Now < stopAt)
            {
                var result = await _webSocket!.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                Interlocked.Add(ref _bytesRead, result.Count);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Failure = $"the server closed it while it was still reading: {(int?)_webSocket.CloseStatus} {_webSocket.CloseStatusDescription}";
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException)
        {
            Failure = $"lost while it was still reading: {exception.Message}";
        }
    }

    /// <summary>Reads whole frames until one holds a line of <paramref name="kind"/> (with that cid, when given); an error line fails.</summary>
    private async Task ReadUntilAsync(byte[] buffer, ServerLineKind kind, string? cid, CancellationToken cancellationToken)
    {
        var wanted = cid is null ? null : Encoding.UTF8.GetBytes(cid);
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (count == buffer.Length)
                {
                    throw new InvalidOperationException($"stopped reader {Index}: a frame over {buffer.Length} bytes while joining");
                }

                result = await _webSocket!.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                count += result.Count;
            }
            while (!result.EndOfMessage);

            Interlocked.Add(ref _bytesRead, count);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"stopped reader {Index}: the server closed it while it joined: {(int?)_webSocket.CloseStatus} {_webSocket.CloseStatusDescription}");
            }

            if (Found(buffer.AsSpan(0, count), kind, wanted))
            {
                return;
            }
        }
    }

    private bool Found(ReadOnlySpan<byte> frame, ServerLineKind kind, byte[]? cid)
    {
        foreach (var range in frame.Split((byte)'\n'))
        {
            var line = frame[range];
            if (line.IsEmpty)
            {
                continue;
            }

            var scanned = ServerLineScanner.Scan(line, default);
            if (scanned.Kind == ServerLineKind.Error && cid is not null && scanned.Cid.SequenceEqual(cid))
            {
                throw new InvalidOperationException($"stopped reader {Index}: the join was refused: {Encoding.UTF8.GetString(scanned.Code)}");
            }

            if (scanned.Kind == kind && (cid is null || scanned.Cid.SequenceEqual(cid)))
            {
                return true;
            }
        }

        return false;
    }

    private async Task UpgradeAsync(NetworkStream stream, string? token, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var headers = string.Concat(_protocol.UpgradeHeaders(token).Select(h => $"{h.Key}: {h.Value}\r\n"));
        var request = string.Create(CultureInfo.InvariantCulture,
            $"GET /ws HTTP/1.1\r\nHost: {Node.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{headers}\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);

        // Byte by byte up to the blank line, so that nothing of the first WebSocket frame is read here.
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 4 || !head[^4..].SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0 || head.Count > 16 * 1024)
            {
                throw new InvalidOperationException($"stopped reader {Index}: no WebSocket upgrade from {Node}");
            }

            head.Add(one[0]);
        }

        var status = Encoding.ASCII.GetString([.. head]).Split("\r\n")[0];
        if (!status.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"stopped reader {Index}: the upgrade was refused: {status}");
        }
    }

    /// <summary>Whether the kernel still has the connection ESTABLISHED: an abort (RST) leaves it CLOSE, a FIN CLOSE_WAIT.</summary>
    private bool Established()
    {
        Span<byte> info = stackalloc byte[8];
        try
        {
            _socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
            return info[0] == TcpEstablished;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void CheckTcpInfo()
    {
        if (!OperatingSystem.IsLinux() || !Established())
        {
            throw new InvalidOperationException("--stopped-readers watches its connections' TCP state (TCP_INFO), which needs Linux");
        }
    }

    public void Dispose()
    {
        _webSocket?.Abort();
        _webSocket?.Dispose();
        _socket.Dispose();
    }
}
