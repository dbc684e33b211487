using Chattorum.ChatApi.Connections;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>
/// The client's send queue: many writers, one reader that waits without spinning; hard limits in frames and bytes;
/// and the node's backlog, which counts each queue up to its soft capacity.
/// </summary>
public sealed class SendQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static SendQueue Queue(int maxFrames, long maxBytes = long.MaxValue, int softCapacity = 4, SendBacklog? backlog = null) =>
        new(backlog ?? new SendBacklog(), softCapacity, maxFrames, maxBytes);

    private static bool Write(SendQueue queue, ReadOnlyMemory<byte> frame) => queue.TryWrite(frame, out _) == QueueWrite.Queued;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    [InlineData(32_768, 32_768)]
    public void It_takes_frames_up_to_its_hard_limit_and_refuses_the_next(int maxFrames, int accepted)
    {
        var queue = Queue(maxFrames);
        for (var i = 0; i < accepted; i++)
        {
            Assert.Equal(QueueWrite.Queued, queue.TryWrite(new byte[] { (byte)i }, out var depth));
            Assert.Equal(i + 1, depth);
        }

        Assert.Equal(QueueWrite.OverLimit, queue.TryWrite(new byte[] { 0 }, out _));
        Assert.Equal(accepted, queue.Count);
    }

    [Fact]
    public void Its_byte_limit_counts_what_is_queued_and_frees_what_is_read()
    {
        var queue = Queue(maxFrames: 100, maxBytes: 10);
        Assert.True(Write(queue, new byte[6]));
        Assert.Equal(QueueWrite.OverLimit, queue.TryWrite(new byte[5], out _));
        Assert.True(Write(queue, new byte[4]));
        Assert.Equal(10, queue.Bytes);

        Assert.True(queue.TryRead(out _));
        Assert.True(Write(queue, new byte[5]));
        Assert.Equal(9, queue.Bytes);
    }

    [Fact]
    public void The_backlog_counts_each_queue_up_to_its_soft_capacity()
    {
        var backlog = new SendBacklog();
        var deep = Queue(maxFrames: 100, softCapacity: 4, backlog: backlog);
        var shallow = Queue(maxFrames: 100, softCapacity: 4, backlog: backlog);
        for (var i = 0; i < 10; i++)
        {
            Write(deep, new byte[] { 1 });
        }

        Write(shallow, new byte[] { 1 });
        Write(shallow, new byte[] { 2 });

        // A queue 10 deep weighs 4: a client that stopped reading weighs no more than one that is behind.
        Assert.Equal(4 + 2, backlog.Frames);

        // Reading the frames past the soft capacity leaves the backlog as it was; the last four bring it down.
        for (var i = 0; i < 6; i++)
        {
            deep.TryRead(out _);
        }

        Assert.Equal(6, backlog.Frames);
        deep.TryRead(out _);
        Assert.Equal(5, backlog.Frames);

        // A writer that stops drops what is left, and the backlog with it; the queue takes nothing more.
        deep.Discard();
        Assert.Equal(2, backlog.Frames);
        Assert.Equal(QueueWrite.Completed, deep.TryWrite(new byte[] { 3 }, out _));
        Assert.Equal((0, 0L), (deep.Count, deep.Bytes));
        Assert.Equal(2, backlog.Frames);
    }

    [Fact]
    public void Frames_come_out_in_the_order_they_went_in()
    {
        var queue = Queue(8);
        for (byte i = 0; i < 5; i++)
        {
            Write(queue, new[] { i });
        }

        var read = new List<byte>();
        while (queue.TryRead(out var frame))
        {
            read.Add(frame.Span[0]);
        }

        Assert.Equal([0, 1, 2, 3, 4], read);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public async Task A_waiting_reader_wakes_when_a_frame_comes()
    {
        var queue = Queue(8);
        var waiting = queue.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        Write(queue, new byte[] { 42 });

        Assert.True(await waiting.WaitAsync(Timeout));
        Assert.True(queue.TryRead(out var frame));
        Assert.Equal(42, frame.Span[0]);
    }

    [Fact]
    public async Task Completing_wakes_the_reader_which_drains_then_stops()
    {
        var queue = Queue(8);
        Write(queue, new byte[] { 1 });
        queue.Complete();

        Assert.Equal(QueueWrite.Completed, queue.TryWrite(new byte[] { 2 }, out _));
        Assert.True(await queue.WaitToReadAsync());
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync());

        var idle = Queue(8);
        var waiting = idle.WaitToReadAsync().AsTask();
        idle.Complete();
        Assert.True(await waiting.WaitAsync(Timeout));
        Assert.False(await idle.WaitToReadAsync());
    }

    [Fact]
    public async Task Many_writers_at_once_lose_nothing_and_keep_each_writers_order()
    {
        const int writers = 8, each = 5_000;
        var backlog = new SendBacklog();
        var queue = Queue(writers * each, softCapacity: 1_024, backlog: backlog);
        var reading = Task.Run(async () =>
        {
            var last = new int[writers];
            Array.Fill(last, -1);
            var count = 0;
            while (count < writers * each && await queue.WaitToReadAsync())
            {
                while (queue.TryRead(out var frame))
                {
                    var writer = frame.Span[0];
                    var n = BitConverter.ToInt32(frame.Span[1..]);
                    Assert.Equal(last[writer] + 1, n);
                    last[writer] = n;
                    count++;
                }
            }

            return count;
        });

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var n = 0; n < each; n++)
            {
                Assert.True(Write(queue, (byte[])[(byte)w, .. BitConverter.GetBytes(n)]));
            }
        })));

        Assert.Equal(writers * each, await reading.WaitAsync(Timeout));
        Assert.Equal(0, backlog.Frames);
    }
}
