using System.Net.WebSockets;

namespace Chattorum.ChatApi.Connections;

/// <summary>
/// Telling a client that stopped reading from a node that is behind. The writer notes when its current socket
/// write started; a write blocked for <see cref="ChatLimits.WriteStallTimeout"/> means the client's socket and
/// ours are full: the client is dropped, by the hub at its next frame or by the node's sweep
/// (<see cref="StalledWriterSweep"/>) in a quiet room, and its transport is aborted, as no close frame could get
/// through. A long queue whose writes complete is the node being behind, which pushes back on senders instead.
/// </summary>
public sealed partial class ChatClient
{
    public const string NotReadingReason = "slow consumer: not reading";

    public const string QueueLimitReason = "slow consumer: send queue full";

    // When the write in progress started (a TimeProvider timestamp), 0 when none is.
    private long _writeStartedAt;
    private int _aborted;

    /// <summary>How long the write in progress has been blocked, or null when no write is in progress.</summary>
    public TimeSpan? WriteBlockedFor(long now)
    {
        var started = Volatile.Read(ref _writeStartedAt);
        return started == 0 ? null : _services.Time.GetElapsedTime(started, now);
    }

    /// <summary>
    /// Drops the client if its current write has been blocked for <see cref="ChatLimits.WriteStallTimeout"/>: closes
    /// it (1008, for the record), aborts the WebSocket and the transport under it. True when it did (once).
    /// </summary>
    public bool AbortIfStalled(long now)
    {
        if (WriteBlockedFor(now) is not { } blocked || blocked < ChatLimits.WriteStallTimeout || Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return false;
        }

        Close(WebSocketCloseStatus.PolicyViolation, NotReadingReason, drain: false);
        _socket.Abort();
        _abortTransport?.Invoke();
        _metrics.StalledWriterAborted();
        LogStalled(_logger, User, blocked.TotalSeconds, _sendQueue.Count);
        return true;
    }

    /// <summary>The queue reached a hard limit: the hub drops the client with 1008 (its queue was over the soft capacity, its writes were going through).</summary>
    private void OnQueueLimit()
    {
        _metrics.SendQueueLimitReached();
        LogQueueLimit(_logger, User, _sendQueue.Count, _sendQueue.Bytes);
    }

    /// <summary>Writes a frame, noting when the write started until it completes.</summary>
    private ValueTask TimedWrite(ReadOnlyMemory<byte> frame)
    {
        Volatile.Write(ref _writeStartedAt, _services.Time.GetTimestamp());
        ValueTask writing;
        try
        {
            writing = _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch
        {
            Volatile.Write(ref _writeStartedAt, 0);
            throw;
        }

        if (!writing.IsCompleted)
        {
            return AwaitWriteAsync(writing);
        }

        Volatile.Write(ref _writeStartedAt, 0);
        return writing;
    }

    /// <summary>Awaits a write (or the close frame's) that did not complete at once, noting when it ends.</summary>
    private async ValueTask AwaitWriteAsync(ValueTask writing)
    {
        try
        {
            await writing.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writeStartedAt, 0);
        }
    }

    private ValueTask TimedWriteAsync(Task closing)
    {
        Volatile.Write(ref _writeStartedAt, _services.Time.GetTimestamp());
        return AwaitWriteAsync(new ValueTask(closing));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {User}: a write to its socket was blocked for {Seconds:0.0} s ({Queued} frames queued); it stopped reading")]
    private static partial void LogStalled(ILogger logger, string user, double seconds, int queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping {User}: its send queue reached its limit ({Queued} frames, {Bytes} bytes) while its writes went through")]
    private static partial void LogQueueLimit(ILogger logger, string user, int queued, long bytes);
}
