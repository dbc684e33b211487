using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>One Redis command's calls in the measured window.</summary>
internal sealed record RedisCommandCount(string Command, long Calls, double PerSecond);

/// <summary>
/// What the Redis servers did in the measured window (<c>--redis</c>): the commands they ran, from the
/// difference of two <c>INFO commandstats</c>, less the tool's own <c>INFO</c> at the start of the window.
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

    /// <summary>A count went down in the window (Redis restarted, or <c>CONFIG RESETSTAT</c>): the figures are too low.</summary>
    public bool CountsWentBack { get; init; }

    public static RedisReport? From(ServerSnapshot start, ServerSnapshot end, IReadOnlyList<RedisEndpoint> servers, long? deliveries)
    {
        if (start.Redis is null || end.Redis is null)
        {
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var window = end.Redis.Since(start.Redis, out var wentBack).Without(RedisStatsReader.OwnCommand, servers.Count);
        double PerSecond(long calls) => seconds > 0 ? Math.Round(calls / seconds, 1) : 0;
        return new RedisReport
        {
            Servers = [.. servers.Select(s => s.ToString())],
            Seconds = Math.Round(seconds, 3),
            Commands = window.Total,
            CommandsPerSecond = PerSecond(window.Total),
            CommandsPerDelivery = deliveries is > 0 ? Math.Round(window.Total / (double)deliveries, 3) : null,
            Top = [.. window.Top(TopCommands).Select(c => new RedisCommandCount(c.Key, c.Value, PerSecond(c.Value)))],
            CountsWentBack = wentBack,
        };
    }
}
