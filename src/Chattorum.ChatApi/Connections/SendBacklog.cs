namespace Chattorum.ChatApi.Connections;

/// <summary>
/// How far behind this node is: the frames queued to its clients, each queue counted up to
/// <see cref="ChatLimits.SendQueueSoftCapacity"/> (so that a client that stopped reading weighs no more than one
/// that is merely behind), kept up to date by the queues themselves. Over the high-water mark the node is behind,
/// and its readers hold <c>send</c> frames (<see cref="WhenDrainedAsync"/>) until the backlog is down to half:
/// a node that cannot drain its members' queues slows whoever fills them, rather than drop readers that keep up.
/// </summary>
public sealed class SendBacklog
{
    private readonly int _perConnection;
    private readonly long _floor;
    private long _frames;
    private int _connections;

    // Completed (and cleared) when the backlog is down to the low-water mark; made by the first sender held.
    private TaskCompletionSource? _drained;

    public SendBacklog()
        : this(ChatLimits.BacklogHighWaterPerConnection, ChatLimits.BacklogHighWaterFloor)
    {
    }

    /// <summary>With other marks, for tests.</summary>
    public SendBacklog(int highWaterPerConnection, long highWaterFloor)
    {
        _perConnection = highWaterPerConnection;
        _floor = highWaterFloor;
    }

    /// <summary>Frames queued to this node's clients, each queue counted up to its soft capacity.</summary>
    public long Frames => Volatile.Read(ref _frames);

    public long HighWater => Math.Max(_floor, (long)_perConnection * Volatile.Read(ref _connections));

    public long LowWater => HighWater / 2;

    /// <summary>True while the node is behind: a <c>send</c> waits for <see cref="WhenDrainedAsync"/>.</summary>
    public bool IsBehind => Frames > HighWater;

    /// <summary>True while a sender waits for the backlog to drain.</summary>
    public bool IsHolding => Volatile.Read(ref _drained) is not null;

    /// <summary>A connection opened: the marks grow with the number of queues that may fill.</summary>
    public void Opened() => Interlocked.Increment(ref _connections);

    public void Closed() => Interlocked.Decrement(ref _connections);

    /// <summary>Frames went into a queue.</summary>
    public void Add(int frames) => Interlocked.Add(ref _frames, frames);

    /// <summary>Frames left a queue (written, or dropped with their closed client).</summary>
    public void Remove(int frames)
    {
        var left = Interlocked.Add(ref _frames, -frames);
        if (Volatile.Read(ref _drained) is not null && left <= LowWater)
        {
            Release();
        }
    }

    /// <summary>Completes once the backlog is down to the low-water mark (at once when it is).</summary>
    public Task WhenDrainedAsync()
    {
        if (Frames <= LowWater)
        {
            return Task.CompletedTask;
        }

        var waiter = Volatile.Read(ref _drained);
        if (waiter is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = Interlocked.CompareExchange(ref _drained, fresh, null) ?? fresh;
        }

        // A queue that drained below the mark before the waiter was there did not see it: look again.
        if (Frames <= LowWater)
        {
            Release();
        }

        return waiter.Task;
    }

    private void Release() => Interlocked.Exchange(ref _drained, null)?.TrySetResult();
}
