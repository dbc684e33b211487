using HdrHistogram;

namespace Chattorum.LoadTest;

/// <summary>The percentiles of a latency histogram of microseconds, in milliseconds.</summary>
internal readonly record struct LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary From(HistogramBase microseconds)
    {
        if (microseconds.TotalCount == 0)
        {
            return default;
        }

        return new LatencySummary(
            microseconds.TotalCount,
            Milliseconds(microseconds.GetValueAtPercentile(50)),
            Milliseconds(microseconds.GetValueAtPercentile(90)),
            Milliseconds(microseconds.GetValueAtPercentile(99)),
            Milliseconds(microseconds.GetValueAtPercentile(99.9)),
            Milliseconds(microseconds.GetMaxValue()),
            Math.Round(microseconds.GetMean() / 1000, 3));
    }

    private static double Milliseconds(long microseconds) => microseconds / 1000.0;
}
