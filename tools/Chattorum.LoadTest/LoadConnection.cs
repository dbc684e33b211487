using System.Diagnostics;
using System.Net.WebSockets;

namespace Chattorum.LoadTest;

/// <summary>One client WebSocket: opens and joins its rooms, then feeds every frame it receives to its <see cref="Receiver"/>.</summary>
internal sealed class LoadConnection(IWireProtocol protocol, Receiver receiver) : IDisposable
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
    /// Connects (with the protocol's headers: a user's <paramref name="token"/>, or none), starts reading, then does
    /// what the protocol needs for the connection to be in its rooms (<see cref="IWireProtocol.JoinAsync"/>).
    /// </summary>
    public async Task OpenAsync(Uri webSocketUri, string? token, Func<int, string> roomName, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in protocol.UpgradeHeaders(token))
        {
            _socket.Options.SetRequestHeader(name, value);
        }

        await _socket.ConnectAsync(webSocketUri, invoker, cancellationToken).ConfigureAwait(false);
        _receiving = ReceiveLoopAsync();
        await protocol.JoinAsync(this, roomName, cancellationToken).ConfigureAwait(false);
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
