using System.Buffers;
using System.IO.Pipelines;

namespace Chattorum.ChatApi.Upgrade;

/// <summary>
/// A connection's transport as the stream a WebSocket runs on. A zero-byte read waits for data without taking
/// any, so an idle connection holds no buffer. Disposing it wakes a pending read or flush (the WebSocket was
/// aborted) and ends every later read; the connection itself is closed by whoever owns it.
/// </summary>
public sealed class TransportStream(IDuplexPipe transport) : Stream
{
    private volatile bool _disposed;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        // Disposed: the end of the stream. A zero-byte read woken by the disposal returns 0 as well, which the
        // WebSocket takes for "data is there": its next read must not wait again, or the reader of an aborted
        // connection waits for as long as the peer keeps the connection open (a client that stopped reading did).
        if (_disposed)
        {
            return 0;
        }

        var result = await transport.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.IsEmpty || destination.IsEmpty || _disposed)
        {
            // Empty: the peer is gone (or the read was cancelled). A zero-byte read: data is there, keep it.
            transport.Input.AdvanceTo(buffer.Start);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, destination.Length);
        buffer.Slice(0, count).CopyTo(destination.Span);
        transport.Input.AdvanceTo(buffer.GetPosition(count));
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var flushed = await transport.Output.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        if (flushed.IsCanceled)
        {
            throw new OperationCanceledException("the connection was aborted");
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        var flushed = await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flushed.IsCanceled)
        {
            throw new OperationCanceledException("the connection was aborted");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed = true;
            transport.Input.CancelPendingRead();
            transport.Output.CancelPendingFlush();
        }

        base.Dispose(disposing);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the transport is read asynchronously");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the transport is written asynchronously");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
