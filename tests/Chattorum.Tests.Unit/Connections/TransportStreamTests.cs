using System.IO.Pipelines;
using Chattorum.ChatApi.Upgrade;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>The transport under a WebSocket upgraded below HTTP, once the WebSocket is aborted.</summary>
public sealed class TransportStreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Transport : IDuplexPipe
    {
        public Pipe Incoming { get; } = new();

        public Pipe Outgoing { get; } = new(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));

        public PipeReader Input => Incoming.Reader;

        public PipeWriter Output => Outgoing.Writer;
    }

    [Fact]
    public async Task Once_disposed_every_read_ends_even_after_a_zero_byte_read_took_the_wake_up()
    {
        var stream = new TransportStream(new Transport());

        // The WebSocket waits for data with a zero-byte read; the abort wakes it, and 0 reads as "data is there".
        var waiting = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        stream.Dispose();
        Assert.Equal(0, await waiting.WaitAsync(Timeout));

        // So the WebSocket reads for real next: that read must end too, not wait for as long as the peer stays.
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task Disposing_fails_a_write_blocked_on_a_full_transport()
    {
        var stream = new TransportStream(new Transport());
        var writing = stream.WriteAsync(new byte[64]).AsTask();
        Assert.False(writing.IsCompleted);

        stream.Dispose();
        await Assert.ThrowsAsync<OperationCanceledException>(() => writing.WaitAsync(Timeout));
    }
}
