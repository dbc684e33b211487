using System.Diagnostics;
using HdrHistogram;

namespace Chattorum.LoadTest;

/// <summary>
/// Latencies in microseconds, recorded from every receive loop at once: each thread writes a histogram of its
/// own (the lock is only contended while a snapshot copies it), and a snapshot adds them all up.
/// </summary>
internal sealed class LatencyRecorder : IDisposable
{
    /// <summary>An hour; anything slower is recorded as an hour.</summary>
    public const long HighestMicroseconds = 3_600_000_000;

    private const int SignificantDigits = 3;
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    private readonly ThreadLocal<LongHistogram> _histograms = new(NewHistogram, trackAllValues: true);

    public static LongHistogram NewHistogram() => new(HighestMicroseconds, SignificantDigits);

    /// <summary>Records the time from a <see cref="Stopwatch.GetTimestamp"/> to another.</summary>
    public void Record(long fromTimestamp, long toTimestamp)
    {
        var microseconds = (long)((toTimestamp - fromTimestamp) * MicrosecondsPerTick);
        var histogram = _histograms.Value!;
        lock (histogram)
        {
            histogram.RecordValue(Math.Clamp(microseconds, 0, HighestMicroseconds));
        }
    }

    public LongHistogram Snapshot()
    {
        var total = NewHistogram();
        foreach (var histogram in _histograms.Values)
        {
            lock (histogram)
            {
                total.Add(histogram);
            }
        }

        return total;
    }

    public void Dispose() => _histograms.Dispose();
}
