using System.Diagnostics;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// The one background Redis task of a node: a heartbeat every <c>Chat:PresenceHeartbeatMilliseconds</c> (one script,
/// whatever the number of rooms and members), which also names the nodes that stopped beating. A survivor that has
/// itself been beating for a whole <c>Chat:PresenceTtlMilliseconds</c> sweeps such a node's rooms, once (so that a
/// Redis outage, after which every node looks dead to every other, does not make the nodes sweep each other). The TTL
/// is this node's view: the registry keeps each node's last beat, and every node judges the others by its own TTL, so
/// the nodes of a deployment share the presence settings.
/// </summary>
public sealed partial class NodeLiveness(
    IConnectionMultiplexer redis, RedisPresence presence, ChatNode node, ChatMetrics metrics, ChatOptions options, TimeProvider time, ILogger<NodeLiveness> logger) : BackgroundService
{
    /// <summary>Dead nodes one heartbeat looks at; more wait for the next beat.</summary>
    private const int DeadNodesPerBeat = 16;

    /// <summary>How long a survivor holds a dead node's sweep before another may take it over.</summary>
    private static readonly TimeSpan SweepLease = TimeSpan.FromSeconds(60);

    private readonly TimeSpan _heartbeat = TimeSpan.FromMilliseconds(options.PresenceHeartbeatMilliseconds);
    private readonly TimeSpan _ttl = TimeSpan.FromMilliseconds(options.PresenceTtlMilliseconds);

    private long? _healthySince;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_heartbeat, time);
        do
        {
            try
            {
                await BeatAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Whatever failed, the next beat tries again: a node must never stop beating while it runs.
                _healthySince = null;
                LogHeartbeatFailed(logger, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One heartbeat, and the sweep of any node it found dead.</summary>
    internal async Task BeatAsync()
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(NodeScripts.Heartbeat, new
        {
            registry = RedisKeys.NodeRegistry,
            node = node.Id,
            ttl = (long)_ttl.TotalMilliseconds,
            max = DeadNodesPerBeat,
        }).ConfigureAwait(false))!;

        var now = time.GetTimestamp();
        _healthySince ??= now;
        if ((long)result[0] == 1)
        {
            // The registry did not know this node: write its memberships (none on the first beat).
            await presence.RegisterAgainAsync().ConfigureAwait(false);
            LogRegistered(logger, node.Id);
        }

        if (time.GetElapsedTime(_healthySince.Value, now) < _ttl)
        {
            return;
        }

        foreach (var dead in (RedisResult[])result[1]!)
        {
            var deadNode = dead.ToString();
            if (deadNode != node.Id)
            {
                await SweepAsync(deadNode).ConfigureAwait(false);
            }
        }
    }

    private async Task SweepAsync(string deadNode)
    {
        var database = redis.GetDatabase();
        var keys = new
        {
            registry = RedisKeys.NodeRegistry,
            rooms = RedisKeys.NodeRooms(deadNode),
            @lock = RedisKeys.NodeSweep(deadNode),
            dead = deadNode,
            node = node.Id,
            ttl = (long)_ttl.TotalMilliseconds,
            lockMs = (long)SweepLease.TotalMilliseconds,
        };
        var claimed = await database.ScriptEvaluateAsync(NodeScripts.ClaimSweep, keys).ConfigureAwait(false);
        if (claimed.IsNull)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var rooms = (RedisResult[])claimed!;
        var left = 0;
        foreach (var room in rooms)
        {
            left += await presence.SweepAsync(room.ToString(), deadNode).ConfigureAwait(false);
        }

        await database.ScriptEvaluateAsync(NodeScripts.EndSweep, keys).ConfigureAwait(false);
        metrics.NodeSwept();
        LogSwept(logger, deadNode, rooms.Length, left, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} registered its memberships in Redis")]
    private static partial void LogRegistered(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Swept dead node {DeadNode}: {Rooms} rooms, {Left} users left, in {Milliseconds:0} ms")]
    private static partial void LogSwept(ILogger logger, string deadNode, int rooms, int left, double milliseconds);
}
