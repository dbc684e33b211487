using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>One Redis command's calls in the measured window.</summary>
internal sealed record RedisCommandCount(string Command, long Calls, double PerSecond);

/// <summary>One Redis server's commands in the measured window and its share of all the servers' (a cluster's shard).</summary>
internal sealed record RedisServerCount(string Server, long Commands, double PerSecond, double SharePercent);

/// <summary>
/// What the Redis servers did in the measured window (<c>--redis</c>): the commands they ran, from the
/// difference of two <c>INFO commandstats</c> of each server, less the tool's own <c>INFO</c> at the start of the
/// window; added up, and server by server (how evenly a cluster's shards share the work).
/// </summary>
internal sealed record RedisReport
{
    /// <summary>Commands listed by name, most called first: enough to see what the background traffic is.</summary>
    public const int TopCommands = 10;

    public required IReadOnlyList<string> Servers { get; init; }

    public double Seconds { get; init; }

    public long Commands { get; init; }

    public double CommandsPerSecond { get; init; }

    /// <summary>Commands per message delivered in the window; null in idle runs.</summary>
    public double? CommandsPerDelivery { get; init; }

    public IReadOnlyList<RedisCommandCount> Top { get; init; } = [];

    /// <summary>Each server's commands in the window, in the order of <see cref="Servers"/>, with its share of <see cref="Commands"/>.</summary>
    public IReadOnlyList<RedisServerCount> PerServer { get; init; } = [];

    /// <summary>A count went down in the window (Redis restarted, or <c>CONFIG RESETSTAT</c>): the figures are too low.</summary>
    public bool CountsWentBack { get; init; }

    public static RedisReport? From(ServerSnapshot start, ServerSnapshot end, IReadOnlyList<RedisEndpoint> servers, long? deliveries)
    {
        if (start.Redis is null || end.Redis is null)
        {
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var windows = Windows(start.Redis, end.Redis, out var wentBack);
        var window = windows.Aggregate(CommandStats.Empty, (sum, each) => sum.Plus(each));
        return new RedisReport
        {
            Servers = [.. servers.Select(s => s.ToString())],
            Seconds = Math.Round(seconds, 3),
            Commands = window.Total,
            CommandsPerSecond = PerSecond(window.Total, seconds),
            CommandsPerDelivery = deliveries is > 0 ? Math.Round(window.Total / (double)deliveries, 3) : null,
            Top = [.. window.Top(TopCommands).Select(c => new RedisCommandCount(c.Key, c.Value, PerSecond(c.Value, seconds)))],
            PerServer = PerServerCounts(servers, windows, seconds),
            CountsWentBack = wentBack,
        };
    }

    /// <summary>
    /// Each server's window: its counts at the end less those at the start, less the tool's one <c>INFO</c> to it
    /// at the start. <paramref name="wentBack"/> when any server's count went down.
    /// </summary>
    public static CommandStats[] Windows(IReadOnlyList<CommandStats> start, IReadOnlyList<CommandStats> end, out bool wentBack)
    {
        if (start.Count != end.Count)
        {
            throw new ArgumentException($"{start.Count} server(s) read at the start of the window but {end.Count} at its end", nameof(end));
        }

        wentBack = false;
        var windows = new CommandStats[end.Count];
        for (var i = 0; i < windows.Length; i++)
        {
            windows[i] = end[i].Since(start[i], out var went).Without(RedisStatsReader.OwnCommand, 1);
            wentBack |= went;
        }

        return windows;
    }

    /// <summary>
    /// Each server's commands in its window, a second and as a share of all of them in % (0.1 % resolution; all 0
    /// when no server ran any): rooms spread evenly over a cluster's shards show as even shares.
    /// </summary>
    public static IReadOnlyList<RedisServerCount> PerServerCounts(IReadOnlyList<RedisEndpoint> servers, IReadOnlyList<CommandStats> windows, double seconds)
    {
        if (servers.Count != windows.Count)
        {
            throw new ArgumentException($"{servers.Count} server(s) but {windows.Count} window(s)", nameof(windows));
        }

        var total = windows.Sum(w => w.Total);
        return [.. servers.Zip(windows, (server, window) => new RedisServerCount(
            server.ToString(),
            window.Total,
            PerSecond(window.Total, seconds),
            total > 0 ? Math.Round(window.Total * 100.0 / total, 1) : 0))];
    }

    private static double PerSecond(long calls, double seconds) => seconds > 0 ? Math.Round(calls / seconds, 1) : 0;
}
