using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>The run's time base: <see cref="Stopwatch"/> timestamps, which every message carries.</summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }
}
