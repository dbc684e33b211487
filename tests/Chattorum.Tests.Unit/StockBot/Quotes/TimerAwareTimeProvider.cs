using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells when timers are created, so a test advances time only once the
/// code under test waits on one (a Polly attempt timeout or retry delay) instead of guessing with sleeps.
/// </summary>
public sealed class TimerAwareTimeProvider : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _created;

    public TimerAwareTimeProvider()
        : base(new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero))
    {
    }

    public int TimersCreated
    {
        get
        {
            lock (_lock)
            {
                return _created;
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_lock)
        {
            _created++;
            foreach (var waiter in _waiters.Where(w => _created >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>Completes once <paramref name="count"/> timers in all have been created.</summary>
    public Task WaitForTimersAsync(int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_created >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, reached));
        }

        return reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
