using System.Diagnostics;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class LatencySummaryTests
{
    [Fact]
    public void Percentiles_of_known_values_in_milliseconds()
    {
        var histogram = LatencyRecorder.NewHistogram();
        for (var microseconds = 1; microseconds <= 1000; microseconds++)
        {
            histogram.RecordValue(microseconds);
        }

        var summary = LatencySummary.From(histogram);
        Assert.Equal((1000L, 0.5, 0.9, 0.99, 0.999, 1.0), (summary.Count, summary.P50Ms, summary.P90Ms, summary.P99Ms, summary.P999Ms, summary.MaxMs));
        Assert.Equal(0.5005, summary.MeanMs, tolerance: 0.001);
    }

    [Fact]
    public void A_slow_tail_shows_in_the_high_percentiles_only()
    {
        var histogram = LatencyRecorder.NewHistogram();
        histogram.RecordValueWithCount(2_000, 990);
        histogram.RecordValueWithCount(50_000, 9);
        histogram.RecordValue(1_500_000);

        var summary = LatencySummary.From(histogram);
        Assert.Equal(1000, summary.Count);
        Assert.Equal(2.0, summary.P50Ms);
        Assert.Equal(2.0, summary.P99Ms);
        Assert.Equal(50, summary.P999Ms, tolerance: 0.05);
        Assert.Equal(1500, summary.MaxMs, tolerance: 1.5);
    }

    [Fact]
    public void Nothing_recorded_is_all_zeros() =>
        Assert.Equal(default, LatencySummary.From(LatencyRecorder.NewHistogram()));

    [Fact]
    public async Task The_recorder_adds_up_every_thread()
    {
        using var recorder = new LatencyRecorder();
        var perMillisecond = Stopwatch.Frequency / 1000;
        await Task.WhenAll(Enumerable.Range(1, 4).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                recorder.Record(0, thread * perMillisecond);
            }
        })));

        var summary = LatencySummary.From(recorder.Snapshot());
        Assert.Equal(4000, summary.Count);
        Assert.Equal(2.0, summary.P50Ms, tolerance: 0.002);
        Assert.Equal(4.0, summary.MaxMs, tolerance: 0.004);
    }

    [Fact]
    public void Impossible_latencies_are_clamped_rather_than_thrown()
    {
        using var recorder = new LatencyRecorder();
        recorder.Record(100, 0);
        recorder.Record(0, long.MaxValue / 2);
        var snapshot = recorder.Snapshot();
        Assert.Equal(2, snapshot.TotalCount);
        Assert.Equal(0, snapshot.GetValueAtPercentile(50));
    }
}
