using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>
/// The servers at one moment: each <c>--pids</c> process's CPU time and memory, and each Redis server's command
/// counts (<c>--redis</c>, in its order; null without); and the load tool's own. Two of them bound a measured window.
/// </summary>
internal sealed record ServerSnapshot(ProcessSample[] Processes, IReadOnlyList<CommandStats>? Redis, ToolSample Tool, long Timestamp)
{
    public static async Task<ServerSnapshot> TakeAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var redis = options.RedisEndpoints.Count > 0
            ? await RedisStatsReader.ReadEachAsync(options.RedisEndpoints, cancellationToken).ConfigureAwait(false)
            : null;
        return new ServerSnapshot([.. options.Pids.Select(ProcessSampler.Sample)], redis, ToolSample.Take(), Stopwatch.GetTimestamp());
    }
}
