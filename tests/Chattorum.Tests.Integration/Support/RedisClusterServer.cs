using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A real Redis Cluster of six private <c>redis-server</c> processes (Debian's package): three primaries, each with
/// one replica, on free loopback ports, with append-only persistence as deployed, each node in a folder of its own.
/// Faults are real too: a node can be killed (its replica takes over), restarted (it rejoins as a replica), paused
/// (a replica that lags), a slot moved from one primary to another with the cluster's own protocol, the whole
/// cluster stopped and started again on its data.
/// </summary>
/// <remarks>
/// The fixture talks to each node with <see cref="RedisNodeClient"/>, never through StackExchange.Redis, whose
/// behaviour under these faults is what the tests look at. Every wait polls the nodes with a deadline.
/// </remarks>
public sealed partial class RedisClusterServer : IAsyncDisposable
{
    public const int NodeCount = 6;
    public const int ReplicasPerPrimary = 1;

    /// <summary>Forming the cluster, or a node rejoining: seconds here, but a replica's full sync can take longer on a busy machine.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Detection (cluster-node-timeout, 2 s, then a majority of primaries agreeing) and election (0.5-1 s of delay)
    /// take 3-5 s; the rest is room for a slow machine.
    /// </summary>
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long MIGRATE waits for the target node, per batch.</summary>
    private const int MigrateTimeoutMilliseconds = 5_000;

    private readonly string _folder;
    private readonly List<RedisClusterNode> _nodes;
    private volatile string _connectionString = "";

    private RedisClusterServer(string folder, List<RedisClusterNode> nodes)
    {
        _folder = folder;
        _nodes = nodes;
    }

    public IReadOnlyList<RedisClusterNode> Nodes => _nodes;

    /// <summary>The folder that holds every node's folder; deleted on dispose.</summary>
    public string Folder => _folder;

    /// <summary>The primaries, comma-separated (StackExchange.Redis syntax), as of the last time the cluster settled.</summary>
    public string ConnectionString => _connectionString;

    public static async Task<RedisClusterServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("chattorum-redis-cluster-").FullName;
        var ports = new HashSet<int>();
        while (ports.Count < NodeCount * 2)
        {
            ports.Add(FreePort.Next());
        }

        var nodes = ports.Chunk(2).Select((pair, i) => new RedisClusterNode(pair[0], pair[1], Directory.CreateDirectory(Path.Combine(folder, $"node-{i}")).FullName)).ToList();
        var cluster = new RedisClusterServer(folder, nodes);
        try
        {
            await Task.WhenAll(nodes.Select(node => node.LaunchAsync()));
            await RunRedisCliAsync(["--cluster", "create", .. nodes.Select(node => node.EndPoint), "--cluster-replicas", ReplicasPerPrimary.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
            await cluster.WaitUntilSettledAsync(requireReplicas: true);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The hash slot of a key, computed here as Redis does: CRC16 (XMODEM) of its hash tag, modulo 16384.</summary>
    public static int KeySlot(string key) => Chattorum.Tests.Support.HashSlots.Of(key);

    public RedisClusterNode NodeAt(int port) => _nodes.Single(node => node.Port == port);

    public RedisClusterNode NodeWithId(string id) => _nodes.Single(node => node.Id == id);

    /// <summary>CLUSTER NODES as one live node sees it (<paramref name="from"/>, or the first live node).</summary>
    public async Task<IReadOnlyList<ClusterNodesEntry>> ViewAsync(RedisClusterNode? from = null) =>
        ClusterNodesEntry.ParseAll(await (from ?? FirstLive()).TextAsync("CLUSTER", "NODES"));

    public async Task<RedisClusterNode> PrimaryForAsync(int slot)
    {
        var owner = (await ViewAsync()).SingleOrDefault(entry => entry.IsPrimary && entry.Owns(slot))
            ?? throw new InvalidOperationException($"no primary serves slot {slot}");
        return NodeWithId(owner.Id);
    }

    /// <summary>A healthy replica of the slot's primary.</summary>
    public async Task<RedisClusterNode> ReplicaForAsync(int slot)
    {
        var view = await ViewAsync();
        var owner = view.Single(entry => entry.IsPrimary && entry.Owns(slot));
        var replica = view.FirstOrDefault(entry => entry.IsReplica && entry.PrimaryId == owner.Id && !entry.IsFailing)
            ?? throw new InvalidOperationException($"the primary of slot {slot} has no healthy replica");
        return NodeWithId(replica.Id);
    }

    public async Task<IReadOnlyList<RedisClusterNode>> PrimariesAsync() =>
        [.. (await ViewAsync()).Where(entry => entry.IsPrimary && entry.SlotCount > 0).Select(entry => NodeWithId(entry.Id)).OrderBy(node => node.Port)];

    /// <summary>SIGKILL: the node vanishes mid-flight, unflushed writes and all.</summary>
    public Task KillAsync(RedisClusterNode node) => node.KillAsync();

    /// <summary>
    /// Waits until a live primary serves the slot (after its primary was killed: the replica the cluster promoted)
    /// and every live node sees the cluster as ok and agrees on who serves what. Returns the slot's primary.
    /// </summary>
    public async Task<RedisClusterNode> WaitForFailoverAsync(int slot)
    {
        await WaitUntilAsync(
            async () => await SettledProblemAsync(requireReplicas: false)
                ?? (NodeWithId((await ViewAsync()).Single(entry => entry.IsPrimary && entry.Owns(slot)).Id) is { IsLive: true } ? null : $"slot {slot} is still served by a node that is down"),
            FailoverTimeout,
            $"a failover of slot {slot}");
        return await PrimaryForAsync(slot);
    }

    /// <summary>
    /// Starts a killed or stopped node again, same port and folder: it reads its nodes.conf and append-only file,
    /// learns that it was replaced and rejoins as a replica. Waits until it has synced and the cluster has settled.
    /// </summary>
    public async Task RestartNodeAsync(RedisClusterNode node)
    {
        await node.LaunchAsync();
        await WaitUntilSettledAsync(requireReplicas: true);
    }

    /// <summary>SIGTERM to all six (each writes its append-only file), then starts them again on the same ports and folders.</summary>
    public async Task RestartAllAsync()
    {
        await Task.WhenAll(_nodes.Select(node => node.StopAsync()));
        await Task.WhenAll(_nodes.Select(node => node.LaunchAsync()));
        await WaitUntilSettledAsync(requireReplicas: true);
    }

    /// <summary>
    /// SIGSTOP: the node freezes with its connections open; its primary's <c>WAIT 1 timeout</c> times out (a replica
    /// that lags). Paused longer than cluster-node-timeout (2 s), the others flag it as failed; a paused primary is
    /// failed over.
    /// </summary>
    public static void Pause(RedisClusterNode node) => node.Pause();

    /// <summary>SIGCONT, then waits until the node is back in the cluster and, for a replica, caught up.</summary>
    public async Task ResumeAsync(RedisClusterNode node)
    {
        node.Resume();
        await WaitUntilSettledAsync(requireReplicas: true);
    }

    /// <summary>
    /// Puts the cluster back whole after a test's faults: resumes paused nodes, restarts stopped ones, and waits until
    /// it has settled with a replica for every primary (which primaries those are may have changed).
    /// </summary>
    public async Task HealAsync()
    {
        foreach (var node in _nodes.Where(node => node.IsPaused))
        {
            node.Resume();
        }

        await Task.WhenAll(_nodes.Where(node => !node.IsRunning).Select(node => node.LaunchAsync()));
        await WaitUntilSettledAsync(requireReplicas: true);
    }

    /// <summary>Polls until every live node reports cluster_state:ok and they agree on the slots (and, if asked, every primary has a synced replica).</summary>
    public Task WaitUntilSettledAsync(bool requireReplicas) =>
        WaitUntilAsync(() => SettledProblemAsync(requireReplicas), SettleTimeout, "the cluster to settle");

    /// <summary>What keeps the cluster from being settled, or null when it is.</summary>
    private async Task<string?> SettledProblemAsync(bool requireReplicas)
    {
        var live = _nodes.Where(node => node.IsLive).ToList();
        string? agreedSlots = null;
        foreach (var node in live)
        {
            if (RedisClusterNode.ParseFields(await node.TextAsync("CLUSTER", "INFO")).GetValueOrDefault("cluster_state") is var state && state != "ok")
            {
                return $"{node} reports cluster_state:{state}";
            }

            var view = await ViewAsync(node);
            if (live.FirstOrDefault(other => view.FirstOrDefault(entry => entry.Id == other.Id) is not { IsFailing: false }) is { } unseen)
            {
                return $"{node} does not see {unseen} as healthy";
            }

            // Who serves which slots, as this node sees it: every live node must say the same.
            var slots = string.Join(' ', view.Where(entry => entry.SlotCount > 0).OrderBy(entry => entry.Id, StringComparer.Ordinal)
                .Select(entry => $"{entry.Id}:{string.Join(',', entry.Slots.Select(range => $"{range.First}-{range.Last}"))}"));
            if (view.Any(entry => entry.IsPrimary && entry.SlotCount > 0 && !live.Any(n => n.Id == entry.Id)))
            {
                return $"{node} still sees a node that is down as serving slots";
            }

            if (agreedSlots is not null && slots != agreedSlots)
            {
                return $"{node} does not agree on the slots yet";
            }

            agreedSlots = slots;
            var role = await node.InfoFieldAsync("replication", "role");
            if (role == "slave" && await node.InfoFieldAsync("replication", "master_link_status") != "up")
            {
                return $"{node} has not synced with its primary yet";
            }

            if (requireReplicas && role == "master" && view.Single(entry => entry.IsMyself).SlotCount > 0
                && !ReplicationFields(await node.TextAsync("INFO", "replication")).Any(replica => replica.Contains("state=online", StringComparison.Ordinal)))
            {
                return $"primary {node} has no online replica";
            }
        }

        // Settled: the connection string names the primaries of this layout (a killed one drops out of it).
        var primaries = live.Where(node => agreedSlots?.Contains(node.Id, StringComparison.Ordinal) == true).ToList();
        _connectionString = string.Join(',', primaries.Select(node => node.EndPoint));
        return null;
    }

    /// <summary>The "slaveN:ip=...,state=online,..." lines of a primary's INFO replication.</summary>
    private static IEnumerable<string> ReplicationFields(string info) =>
        RedisClusterNode.ParseFields(info).Where(field => field.Key.StartsWith("slave", StringComparison.Ordinal) && char.IsDigit(field.Key[^1])).Select(field => field.Value);

    private RedisClusterNode FirstLive() => _nodes.FirstOrDefault(node => node.IsLive) ?? throw new InvalidOperationException("no node of the cluster is running");

    /// <summary>Polls a check (null: done; otherwise what is still wrong) until it passes or the deadline, then says what was last wrong.</summary>
    private async Task WaitUntilAsync(Func<Task<string?>> problem, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last;
        while (true)
        {
            try
            {
                last = await problem();
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or RedisNodeException or InvalidOperationException)
            {
                // A node restarting, loading, or not yet agreeing with the others: ask again.
                last = exception.Message;
            }

            if (last is null)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}; still: {last}\n{Describe()}");
            }

            await Task.Delay(PollInterval);
        }
    }

    private string Describe() => string.Join('\n', _nodes.Select(node => $"{node} running={node.IsRunning} paused={node.IsPaused}"));

    private static async Task RunRedisCliAsync(string[] args)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/redis-cli") ? "/usr/bin/redis-cli" : "redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(SettleTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(node => node.DisposeAsync()));
        Directory.Delete(_folder, recursive: true);
    }
}
