using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>The load tool's own state at one moment: its process, and its garbage collector's pauses so far.</summary>
internal readonly record struct ToolSample(ProcessSample Process, TimeSpan GcPauses, int Gen2Collections)
{
    public static ToolSample Take() => new(ProcessSampler.Sample(Environment.ProcessId), GC.GetTotalPauseDuration(), GC.CollectionCount(2));
}

/// <summary>
/// What the measured window cost the load tool itself: a tool at its core's limit, or pausing for its garbage
/// collector, delays what it receives and inflates the latencies it reports (20,000 connections hold ~1 GB).
/// </summary>
internal sealed record ToolReport(double CpuPercent, double GcPauseMs, int Gen2Collections, double RssMb)
{
    public static ToolReport From(ToolSample start, ToolSample end)
    {
        var wallSeconds = Stopwatch.GetElapsedTime(start.Process.Timestamp, end.Process.Timestamp).TotalSeconds;
        var cpuSeconds = (end.Process.CpuTicks - start.Process.CpuTicks) / (double)ProcessSample.ClockTicksPerSecond;
        return new ToolReport(
            Math.Round(wallSeconds > 0 ? cpuSeconds / wallSeconds * 100 : 0, 1),
            Math.Round((end.GcPauses - start.GcPauses).TotalMilliseconds, 1),
            end.Gen2Collections - start.Gen2Collections,
            Math.Round(end.Process.RssKb / 1024.0, 1));
    }
}
