using Chattorum.ChatApi;
using Chattorum.ChatApi.Connections;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>The node's backlog: when it is behind, and the wait of a held sender, which must never miss its wake-up.</summary>
public sealed class SendBacklogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Its_high_water_mark_grows_with_the_connections_above_a_floor()
    {
        var backlog = new SendBacklog();
        Assert.Equal(ChatLimits.BacklogHighWaterFloor, backlog.HighWater);
        for (var i = 0; i < 100; i++)
        {
            backlog.Opened();
        }

        Assert.Equal(100L * ChatLimits.BacklogHighWaterPerConnection, backlog.HighWater);
        Assert.Equal(backlog.HighWater / 2, backlog.LowWater);

        // One stalled client counts for at most its queue's soft capacity: never enough to hold the others' sends.
        Assert.True(ChatLimits.BacklogHighWaterFloor > ChatLimits.SendQueueSoftCapacity);
    }

    [Fact]
    public async Task A_held_sender_goes_on_once_the_backlog_is_down_to_half()
    {
        var backlog = new SendBacklog(highWaterPerConnection: 10, highWaterFloor: 100);
        Assert.True(backlog.WhenDrainedAsync().IsCompleted);

        backlog.Add(101);
        Assert.True(backlog.IsBehind);
        var held = backlog.WhenDrainedAsync();
        Assert.True(backlog.IsHolding);

        // Under the high-water mark is not enough: it waits for the low-water mark.
        backlog.Remove(2);
        Assert.False(backlog.IsBehind);
        Assert.False(held.IsCompleted);

        backlog.Remove(49);
        await held.WaitAsync(Timeout);
        Assert.False(backlog.IsHolding);
        Assert.True(backlog.WhenDrainedAsync().IsCompleted);
    }

    [Fact]
    public async Task A_wait_that_crosses_the_last_drain_is_woken_all_the_same()
    {
        var backlog = new SendBacklog(highWaterPerConnection: 1, highWaterFloor: 2);
        for (var round = 0; round < 5_000; round++)
        {
            backlog.Add(3);
            var draining = Task.Run(() => backlog.Remove(3));
            var held = backlog.WhenDrainedAsync();
            await draining;
            await held.WaitAsync(Timeout);
        }
    }
}
