using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>One client WebSocket: opens and joins its rooms, then feeds every frame it receives to its <see cref="Receiver"/>.</summary>
internal sealed class LoadConnection(Receiver receiver) : IDisposable
{
    // Grows (doubling) for a larger frame; a node's coalesced frames can hold many messages.
    private const int InitialBufferSize = 16 * 1024;

    // Like a browser, the client sends no keep-alive frames of its own: the server pings every connection (every
    // 20 s), and an idle run measures what the server does for connections that say nothing.
    private readonly ClientWebSocket _socket = new() { Options = { KeepAliveInterval = TimeSpan.Zero } };
    private Task _receiving = Task.CompletedTask;
    private volatile bool _closing;

    public Receiver Receiver { get; } = receiver;

    /// <summary>
    /// Connects, waits for <c>welcome</c>, then joins the receiver's rooms one at a time, each once the one before
    /// has joined and its history has gone by: a burst of joins could go over the server's rate limit.
    /// </summary>
    public async Task OpenAsync(Uri webSocketUri, string token, Func<int, string> roomName, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        _socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await _socket.ConnectAsync(webSocketUri, invoker, cancellationToken).ConfigureAwait(false);
        _receiving = ReceiveLoopAsync();
        await Receiver.Welcomed.WaitAsync(cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < Receiver.Rooms.Count; k++)
        {
            var join = Encoding.UTF8.GetBytes($$"""{"type":"join","room":"{{roomName(Receiver.Rooms[k])}}","cid":"{{Receiver.JoinCid(k)}}"}""");
            await SendAsync(join, cancellationToken).ConfigureAwait(false);
            await Receiver.JoinedRoom(k).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken = default) =>
        _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[InitialBufferSize];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        if (!_closing)
                        {
                            Receiver.OnClosed($"the server closed it: {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}", ((int?)_socket.CloseStatus)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no status");
                            _closing = true;
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                        }

                        return;
                    case WebSocketMessageType.Binary:
                        Receiver.OnClosed("the server sent a binary frame", "binary frame");
                        _socket.Abort();
                        return;
                    default:
                        Receiver.OnFrame(buffer.AsSpan(0, count), Stopwatch.GetTimestamp());
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!_closing)
            {
                Receiver.OnClosed($"lost: {exception.Message}", "aborted");
            }
        }
    }

    /// <summary>Closes normally, waiting at most <paramref name="timeout"/> for the server's answer.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        _closing = true;
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var deadline = new CancellationTokenSource(timeout);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "load test done", deadline.Token).ConfigureAwait(false);
            }

            await _receiving.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // Closing anyway.
        }
        finally
        {
            _socket.Abort();
        }
    }

    public void Dispose() => _socket.Dispose();
}
