using System.Diagnostics;
using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>A process's CPU time and resident memory at one moment, from <c>/proc</c>.</summary>
internal readonly record struct ProcessSample(int Pid, string Name, long CpuTicks, long RssKb, long Timestamp)
{
    /// <summary>Linux's USER_HZ, the unit of the CPU times in <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public const int ClockTicksPerSecond = 100;
}

internal static class ProcessSampler
{
    public static ProcessSample Sample(int pid)
    {
        string stat, status;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read /proc/{pid}: {exception.Message}", exception);
        }

        return new ProcessSample(pid, ParseName(stat), ParseCpuTicks(stat), ParseRssKb(status), Stopwatch.GetTimestamp());
    }

    /// <summary>The command name, the second field, in parentheses (it may itself hold spaces and parentheses).</summary>
    public static string ParseName(string stat)
    {
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        return open >= 0 && close > open ? stat[(open + 1)..close] : throw Malformed("stat", stat);
    }

    /// <summary>utime + stime, fields 14 and 15 (counted from 1, so the 12th and 13th after the name).</summary>
    public static long ParseCpuTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13 ||
            !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user) ||
            !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
        {
            throw Malformed("stat", stat);
        }

        return user + system;
    }

    /// <summary>The <c>VmRSS:   12345 kB</c> line; a kernel thread has none and uses no memory of its own.</summary>
    public static long ParseRssKb(string status)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                continue;
            }

            var value = line["VmRSS:".Length..].Trim();
            if (!value.EndsWith("kB", StringComparison.Ordinal) ||
                !long.TryParse(value[..^2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes))
            {
                throw Malformed("status", status);
            }

            return kilobytes;
        }

        return 0;
    }

    private static FormatException Malformed(string file, string text) =>
        new($"unexpected /proc/<pid>/{file} text: '{text[..Math.Min(text.Length, 200)]}'");
}
