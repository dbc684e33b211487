using System.Buffers;
using System.Net.WebSockets;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Connections;

/// <summary>
/// One WebSocket connection: a reader loop that handles the client's frames, a writer loop that drains
/// a send queue, and a close that either side can start. Hubs only ever queue to it; a client whose writes
/// stall (it stopped reading) is dropped rather than waited for (ChatClient.Stall.cs).
/// </summary>
public sealed partial class ChatClient : IRoomMember, IDisposable
{
    private readonly WebSocket _socket;
    private readonly ChatServices _services;
    private readonly RoomHubs _hubs;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SendQueue _sendQueue;
    private readonly Action? _abortTransport;

    // Made when a close starts and cancelled CloseTimeout later: a send or receive still pending then fails, as
    // the socket is aborted.
    private CancellationTokenSource? _closeDeadline;
    private CloseRequest? _close;

    /// <param name="abortTransport">Cuts the connection under the WebSocket (a close frame cannot reach a client that stopped reading).</param>
    public ChatClient(WebSocket socket, string user, ChatServices services, Action? abortTransport = null)
    {
        _socket = socket;
        User = user;
        _services = services;
        _hubs = services.Hubs;
        _metrics = services.Metrics;
        _logger = services.Logger;
        _sendQueue = new SendQueue(services.Backlog);
        _abortTransport = abortTransport;
        _rate = new FrameRateLimit(services.Options.RateBurst, services.Options.RatePerSecond, services.Time);
    }

    public string User { get; }

    public bool IsClosed => Volatile.Read(ref _close) is not null;

    public int QueuedFrames => _sendQueue.Count;

    /// <summary>Why the connection is closing, once it is.</summary>
    public WebSocketCloseStatus? CloseStatus => Volatile.Read(ref _close)?.Status;

    public string? CloseReason => Volatile.Read(ref _close)?.Reason;

    /// <summary>
    /// Queues the frame. Full when the client is a slow consumer: its queue is past its soft capacity and its
    /// writer has been blocked on the socket for <see cref="ChatLimits.WriteStallTimeout"/> (it stopped reading;
    /// its transport is aborted at once), or the queue is at a hard limit. A long queue whose writes go through
    /// is the node being behind, not the client: it is queued, and the node pushes back on its senders.
    /// </summary>
    public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame)
    {
        switch (_sendQueue.TryWrite(frame, out var depth))
        {
            case QueueWrite.Queued when depth > _sendQueue.SoftCapacity && AbortIfStalled(_services.Time.GetTimestamp()):
                return EnqueueResult.Full;
            case QueueWrite.Queued:
                return EnqueueResult.Queued;
            case QueueWrite.OverLimit when !IsClosed:
                OnQueueLimit();
                return EnqueueResult.Full;
            default:
                return EnqueueResult.Closed;
        }
    }

    /// <summary>
    /// Starts closing: with <paramref name="drain"/> the frames already queued go out first. Either way the
    /// close handshake has <see cref="ChatLimits.CloseTimeout"/> before the socket is aborted. The first call wins.
    /// </summary>
    public void Close(WebSocketCloseStatus status, string reason, bool drain)
    {
        if (Interlocked.CompareExchange(ref _close, new CloseRequest(status, reason, drain), null) is not null)
        {
            return;
        }

        _sendQueue.Complete();
        var deadline = new CancellationTokenSource();
        deadline.Token.UnsafeRegister(static socket => ((WebSocket)socket!).Abort(), _socket);
        deadline.CancelAfter(ChatLimits.CloseTimeout);
        Volatile.Write(ref _closeDeadline, deadline);
    }

    /// <summary>Runs the connection until it is closed, then leaves every room it was in and lets go of its resources.</summary>
    public async Task RunAsync()
    {
        _services.Connections.Add(this);
        _services.Backlog.Opened();
        _metrics.ConnectionOpened();
        TryEnqueue(ServerFrameWriter.Current.Welcome(User, _services.Options));
        var writing = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "bye", drain: false);
            await writing.ConfigureAwait(false);
            foreach (var room in _rooms)
            {
                _hubs.PostToExisting(room, HubCommand.Unregister(this));
            }

            _rooms.Clear();
            _metrics.ConnectionClosed();
            _services.Backlog.Closed();
            _services.Connections.Remove(this);
            Dispose();
        }
    }

    private async Task WriteLoopAsync()
    {
        var queue = _sendQueue;
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false) && Volatile.Read(ref _close) is not { Drain: false })
            {
                await SendQueuedAsync(queue).ConfigureAwait(false);
            }

            var close = Volatile.Read(ref _close)!;
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await TimedWriteAsync(_socket.CloseOutputAsync(close.Status, close.Reason, CancellationToken.None)).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogSendFailed(_logger, User, exception.Message);
            _socket.Abort();
        }
        finally
        {
            // Whatever was not sent will not be: the node's backlog no longer counts it.
            queue.Discard();
        }
    }

    /// <summary>
    /// Sends what is queued: a lone frame as it is, several joined by newlines into as few WebSocket frames as
    /// <see cref="ChatLimits.MaxBatchBytes"/> allows. The busier the client, the fewer writes per message.
    /// </summary>
    private async ValueTask SendQueuedAsync(SendQueue queue)
    {
        if (!queue.TryRead(out var frame))
        {
            return;
        }

        if (queue.IsEmpty)
        {
            await SendAsync(frame).ConfigureAwait(false);
            return;
        }

        var batch = ArrayPool<byte>.Shared.Rent(ChatLimits.MaxBatchBytes);
        try
        {
            var length = 0;
            do
            {
                if (length > 0 && length + 1 + frame.Length > batch.Length)
                {
                    await SendAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
                    length = 0;
                }

                if (frame.Length > batch.Length)
                {
                    await SendAsync(frame).ConfigureAwait(false);
                    continue;
                }

                if (length > 0)
                {
                    batch[length++] = (byte)'\n';
                }

                frame.Span.CopyTo(batch.AsSpan(length));
                length += frame.Length;
            }
            while (Volatile.Read(ref _close) is not { Drain: false } && queue.TryRead(out frame));

            if (length > 0)
            {
                await SendAsync(batch.AsMemory(0, length)).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    private ValueTask SendAsync(ReadOnlyMemory<byte> frame)
    {
        _metrics.FrameSent(frame.Length);
        return TimedWrite(frame);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                // An idle connection waits without a buffer; one is taken from the pool when a frame arrives.
                var probe = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (probe.MessageType == WebSocketMessageType.Close)
                {
                    Close(WebSocketCloseStatus.NormalClosure, "bye", drain: false);
                    return;
                }

                if (!await ReceiveFrameAsync(probe).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, the keep-alive timed out, or the close deadline passed.
            LogReceiveEnded(_logger, User, exception.Message);
        }
    }

    /// <summary>
    /// Reads and handles one whole frame (all its fragments) after <paramref name="probe"/>, the empty read that saw it
    /// come; false once the peer has closed. A frame with no payload ends with its probe: it is handled like any other
    /// (an empty text frame is not JSON: <c>bad_json</c>).
    /// </summary>
    private async ValueTask<bool> ReceiveFrameAsync(ValueWebSocketReceiveResult probe)
    {
        // One byte more than the limit, so that a frame over it is seen as over it.
        var buffer = ArrayPool<byte>.Shared.Rent(ChatLimits.MaxFrameBytes + 1);
        try
        {
            var count = 0;
            var result = probe;
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close)
            {
                if (count > ChatLimits.MaxFrameBytes)
                {
                    // Keep reading (and dropping) until the peer answers the close.
                    count = 0;
                    Close(WebSocketCloseStatus.MessageTooBig, $"frame larger than {ChatLimits.MaxFrameBytes} bytes", drain: true);
                }

                result = await _socket.ReceiveAsync(buffer.AsMemory(count, ChatLimits.MaxFrameBytes + 1 - count), CancellationToken.None).ConfigureAwait(false);
                count += result.Count;
            }

            switch (result.MessageType)
            {
                case WebSocketMessageType.Close:
                    Close(WebSocketCloseStatus.NormalClosure, "bye", drain: false);
                    return false;
                case WebSocketMessageType.Binary:
                    Close(WebSocketCloseStatus.InvalidMessageType, "binary frames are not supported; send JSON text frames", drain: true);
                    break;
                default:
                    if (count > ChatLimits.MaxFrameBytes)
                    {
                        Close(WebSocketCloseStatus.MessageTooBig, $"frame larger than {ChatLimits.MaxFrameBytes} bytes", drain: true);
                    }
                    else if (!IsClosed)
                    {
                        await HandleOrRefuseAsync(buffer.AsSpan(0, count)).ConfigureAwait(false);
                    }

                    break;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => Volatile.Read(ref _closeDeadline)?.Dispose();

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Reason, bool Drain);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Send to {User} ended: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string user, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Receive from {User} ended: {Reason}")]
    private static partial void LogReceiveEnded(ILogger logger, string user, string reason);
}
