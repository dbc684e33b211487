using Chattorum.StockBot;

namespace Chattorum.Tests.Unit.StockBot;

/// <summary>One request at a time per room, in hand-over order; rooms side by side up to the concurrency.</summary>
public class RoomOrderTests
{
    [Fact]
    public async Task Work_of_one_room_runs_in_order_even_when_an_earlier_one_is_slower_or_fails()
    {
        var order = new RoomOrder(4);
        var log = new List<string>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a1 = order.Run("a", async () =>
        {
            await first.Task;
            lock (log)
            {
                log.Add("a1");
            }

            throw new InvalidOperationException("fails");
        });
        var a2 = order.Run("a", () =>
        {
            lock (log)
            {
                log.Add("a2");
            }

            return Task.CompletedTask;
        });
        var b1 = order.Run("b", () =>
        {
            lock (log)
            {
                log.Add("b1");
            }

            return Task.CompletedTask;
        });

        await b1.WaitAsync(TimeSpan.FromSeconds(10)); // another room does not wait for room a
        Assert.False(a2.IsCompleted);
        first.SetResult();
        await a2.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<InvalidOperationException>(() => a1);
        Assert.Equal(["b1", "a1", "a2"], log);
        await Support.Eventually.EqualAsync(0, () => Task.FromResult(order.RoomsInFlight));
    }

    [Fact]
    public async Task No_more_than_the_concurrency_runs_at_once()
    {
        var order = new RoomOrder(2);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var peak = 0;
        var tasks = Enumerable.Range(0, 6).Select(i => order.Run($"room{i}", async () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await release.Task;
            Interlocked.Decrement(ref running);
        })).ToList();

        await Support.Eventually.EqualAsync(2, () => Task.FromResult(Volatile.Read(ref running)));
        release.SetResult();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, peak);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
