using Chattorum.ChatApi.Connections;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>The client's bounded send queue: many writers, one reader that waits without spinning.</summary>
public sealed class SendQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    [InlineData(1_024, 1_024)]
    public void It_takes_frames_up_to_its_capacity_and_refuses_the_next(int capacity, int accepted)
    {
        var queue = new SendQueue(capacity);
        for (var i = 0; i < accepted; i++)
        {
            Assert.True(queue.TryWrite(new byte[] { (byte)i }));
        }

        Assert.False(queue.TryWrite(new byte[] { 0 }));
        Assert.Equal(accepted, queue.Count);
    }

    [Fact]
    public void Frames_come_out_in_the_order_they_went_in()
    {
        var queue = new SendQueue(8);
        for (byte i = 0; i < 5; i++)
        {
            queue.TryWrite(new[] { i });
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
        var queue = new SendQueue(8);
        var waiting = queue.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        queue.TryWrite(new byte[] { 42 });

        Assert.True(await waiting.WaitAsync(Timeout));
        Assert.True(queue.TryRead(out var frame));
        Assert.Equal(42, frame.Span[0]);
    }

    [Fact]
    public async Task Completing_wakes_the_reader_which_drains_then_stops()
    {
        var queue = new SendQueue(8);
        queue.TryWrite(new byte[] { 1 });
        queue.Complete();

        Assert.False(queue.TryWrite(new byte[] { 2 }));
        Assert.True(await queue.WaitToReadAsync());
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync());

        var idle = new SendQueue(8);
        var waiting = idle.WaitToReadAsync().AsTask();
        idle.Complete();
        Assert.True(await waiting.WaitAsync(Timeout));
        Assert.False(await idle.WaitToReadAsync());
    }

    [Fact]
    public async Task Many_writers_at_once_lose_nothing_and_keep_each_writers_order()
    {
        const int writers = 8, each = 5_000;
        var queue = new SendQueue(writers * each);
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
                Assert.True(queue.TryWrite((byte[])[(byte)w, .. BitConverter.GetBytes(n)]));
            }
        })));

        Assert.Equal(writers * each, await reading.WaitAsync(Timeout));
    }
}
