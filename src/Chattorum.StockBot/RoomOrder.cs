namespace Chattorum.StockBot;

/// <summary>
/// Runs the bot's work one request at a time per room, in the order it was handed over (the order RabbitMQ delivered
/// the requests), and up to <c>concurrency</c> rooms at once. Without it, two requests of one room handled side by side
/// could be answered (or put in the delay queue) in either order.
/// </summary>
public sealed class RoomOrder(int concurrency)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);

    /// <summary>Starts <paramref name="work"/> after the room's earlier work ends (whatever its outcome). Call in order, from one thread.</summary>
    public Task Run(string room, Func<Task> work)
    {
        Task task;
        lock (_lock)
        {
            var previous = _tails.GetValueOrDefault(room) ?? Task.CompletedTask;
            task = RunAfterAsync(previous, work);
            _tails[room] = task;
        }

        // Forget a room once its last work ended, so the map holds only rooms with work in flight.
        _ = task.ContinueWith(
            (done, state) =>
            {
                var self = (RoomOrder)state!;
                lock (self._lock)
                {
                    if (self._tails.TryGetValue(room, out var tail) && tail == done)
                    {
                        self._tails.Remove(room);
                    }
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>The rooms with work queued or running.</summary>
    public int RoomsInFlight
    {
        get
        {
            lock (_lock)
            {
                return _tails.Count;
            }
        }
    }

    /// <summary>Completes when all work handed over so far has ended.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_tails.Values);
        }
    }

    private async Task RunAfterAsync(Task previous, Func<Task> work)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _slots.WaitAsync().ConfigureAwait(false);
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }
}
