using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A real RabbitMQ cluster of three private nodes (Debian's package) on free loopback ports, each in a folder of its
/// own, sharing one Erlang cookie; the broker users (<see cref="TestBrokerUsers"/>) imported at boot; joined with
/// <c>rabbitmqctl join_cluster</c> and checked with <c>cluster_status</c>. Faults are real: a node killed (SIGKILL to
/// its VM), started again on its data, the whole cluster stopped and started again. Every wait polls with a deadline.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    public const int NodeCount = 3;

    /// <summary>Every node name starts with this, so that an interrupted run's VMs can be found (and only ours).</summary>
    public const string NodeNamePrefix = "chattorum-rmqc-";

    /// <summary>Forming the cluster, or nodes getting back together after a restart.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Between two looks at a cluster that is settling: each look is a rabbitmqctl run (an Erlang VM, ~1 s).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _folder;

    private RabbitMqCluster(string folder, List<RabbitMqClusterNode> nodes)
    {
        _folder = folder;
        Nodes = nodes;
    }

    public IReadOnlyList<RabbitMqClusterNode> Nodes { get; }

    public IEnumerable<int> Ports => Nodes.Select(node => node.Port);

    /// <summary>An AMQP URI for <paramref name="user"/> at every node, comma-separated: a client picks a live one.</summary>
    public string ConnectionString(string user) => TestBrokerUsers.ConnectionString(user, [.. Ports]);

    public static async Task<RabbitMqCluster> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("chattorum-rabbitmq-cluster-").FullName;
        var definitions = Path.Combine(folder, "definitions.json");
        await File.WriteAllTextAsync(definitions, TestBrokerUsers.Definitions());
        var config = $"{RabbitMqLauncher.QuietLogging}load_definitions = {definitions}\n";
        var cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        var run = $"{NodeNamePrefix}{Environment.ProcessId}-{Random.Shared.Next(1_000, 9_999)}";
        var ports = new HashSet<int>();
        while (ports.Count < NodeCount * 2)
        {
            ports.Add(FreePort.Next());
        }

        var nodes = ports.Chunk(2).Select((pair, i) => new RabbitMqClusterNode(
            $"{run}-{i}@localhost", pair[0], pair[1], Directory.CreateDirectory(Path.Combine(folder, $"node-{i}")).FullName, cookie, config)).ToList();
        var cluster = new RabbitMqCluster(folder, nodes);
        try
        {
            await Task.WhenAll(nodes.Select(node => node.StartAsync()));
            await Task.WhenAll(nodes.Skip(1).Select(node => cluster.JoinAsync(node, nodes[0])));
            await cluster.WaitFormedAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The documented way to add a node: stop its app, forget its own state, join a member, start again.</summary>
    private async Task JoinAsync(RabbitMqClusterNode node, RabbitMqClusterNode seed)
    {
        await node.CtlAsync("stop_app");
        await node.CtlAsync("reset");
        await node.CtlAsync("join_cluster", seed.Name);
        await node.CtlAsync("start_app");
    }

    public RabbitMqClusterNode NodeNamed(string name) => Nodes.Single(node => node.Name == name);

    public RabbitMqClusterNode NodeAt(int port) => Nodes.Single(node => node.Port == port);

    /// <summary>A running node to ask.</summary>
    private RabbitMqClusterNode AnyRunning() => Nodes.FirstOrDefault(node => node.IsRunning) ?? throw new InvalidOperationException("no node is running");

    /// <summary>The nodes a running node sees running in its cluster (from <c>cluster_status</c>).</summary>
    public async Task<IReadOnlyList<string>> RunningNodesAsync(RabbitMqClusterNode? from = null)
    {
        using var status = JsonDocument.Parse(await (from ?? AnyRunning()).CtlAsync("cluster_status", "--formatter", "json"));
        return [.. status.RootElement.GetProperty("running_nodes").EnumerateArray().Select(n => n.GetString()!)];
    }

    /// <summary>
    /// Polls until every node is running and one of them sees all of them running (the membership is the cluster's,
    /// not the node's: one look is enough, and each look is an Erlang VM started on a busy machine).
    /// </summary>
    public async Task WaitFormedAsync()
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        var expected = Nodes.Select(node => node.Name).Order(StringComparer.Ordinal).ToList();
        while (true)
        {
            var view = Nodes.All(node => node.IsRunning) ? await TryAsync<IReadOnlyList<string>>(async () => await RunningNodesAsync()) ?? [] : [];
            if (view.Order(StringComparer.Ordinal).SequenceEqual(expected))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the cluster did not form: {string.Join(',', view)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Every node started again if it is down, and the cluster whole: each test starts from here.</summary>
    public async Task HealAsync()
    {
        await Task.WhenAll(Nodes.Where(node => !node.IsRunning).Select(node => node.StartAsync()));
        await WaitFormedAsync();
    }

    /// <summary>Every node stopped (SIGTERM, all at once), then all started again on their data, in parallel: a quorum needs a majority back.</summary>
    public async Task RestartAllAsync()
    {
        await StopAllAsync();
        await StartAllAsync();
    }

    public Task StopAllAsync() => Task.WhenAll(Nodes.Select(node => node.StopAsync()));

    public async Task StartAllAsync()
    {
        await Task.WhenAll(Nodes.Where(node => !node.IsRunning).Select(node => node.StartAsync()));
        await WaitFormedAsync();
    }

    /// <summary>Each queue with its type, leader and members (<c>list_queues</c>; leader and members only for quorum queues).</summary>
    public async Task<IReadOnlyList<QueueInfo>> QueuesAsync()
    {
        using var queues = JsonDocument.Parse(await AnyRunning().CtlAsync("list_queues", "name", "type", "leader", "members", "messages", "--formatter", "json"));
        return [.. queues.RootElement.EnumerateArray().Select(QueueInfo.From)];
    }

    /// <summary>The node that leads the quorum queue <paramref name="queue"/>.</summary>
    public async Task<RabbitMqClusterNode> QueueLeaderAsync(string queue)
    {
        var info = (await QueuesAsync()).SingleOrDefault(q => q.Name == queue) ?? throw new InvalidOperationException($"no queue {queue}");
        return NodeNamed(info.Leader ?? throw new InvalidOperationException($"{queue} has no leader ({info.Type})"));
    }

    /// <summary>Polls until <paramref name="queue"/> has a leader among the running nodes; returns it.</summary>
    public async Task<RabbitMqClusterNode> WaitForLeaderAsync(string queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await TryAsync<RabbitMqClusterNode>(async () => await QueueLeaderAsync(queue)) is { IsRunning: true } leader)
            {
                return leader;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{queue} got no running leader within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// The node a connection of broker user <paramref name="user"/> is on; null while there is none. The connection's
    /// name ends with the node's AMQP port: <c>127.0.0.1:51234 -&gt; 127.0.0.1:PORT</c>.
    /// </summary>
    public async Task<RabbitMqClusterNode?> NodeOfConnectionAsync(string user)
    {
        using var connections = JsonDocument.Parse(await AnyRunning().CtlAsync("list_connections", "name", "user", "--formatter", "json"));
        var name = connections.RootElement.EnumerateArray().Where(c => Text(c, "user") == user).Select(c => Text(c, "name")!).FirstOrDefault();
        return name is null ? null : NodeAt(int.Parse(name[(name.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>How many consumers <paramref name="queue"/> has, over the whole cluster.</summary>
    public async Task<int> ConsumerCountAsync(string queue)
    {
        using var consumers = JsonDocument.Parse(await AnyRunning().CtlAsync("list_consumers", "queue_name", "--formatter", "json"));
        return consumers.RootElement.EnumerateArray().Count(c => Text(c, "queue_name") == queue);
    }

    private static string? Text(JsonElement item, string property) =>
        item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Polls until a connection of broker user <paramref name="user"/> is on a running node (other than <paramref name="notOn"/>); returns the node.</summary>
    public async Task<RabbitMqClusterNode> WaitForConnectionAsync(string user, TimeSpan timeout, RabbitMqClusterNode? notOn = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await TryAsync(() => NodeOfConnectionAsync(user)) is { IsRunning: true } node && node != notOn)
            {
                return node;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"no connection of '{user}' on a running node within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>A query to a cluster that is changing may fail (the node asked is going away): that is "not yet".</summary>
    private static async Task<T?> TryAsync<T>(Func<Task<T?>> query) where T : class
    {
        try
        {
            return await query();
        }
        catch (Exception exception) when (exception is InvalidOperationException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(node => node.DisposeAsync()));
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // An Erlang helper may still hold a file for a moment (and the cookie is read-only); temp is cleaned with the machine.
        }
    }
}

/// <summary>One line of <c>rabbitmqctl list_queues name type leader members messages</c>.</summary>
public sealed record QueueInfo(string Name, string Type, string? Leader, IReadOnlyList<string> Members, long Messages)
{
    internal static QueueInfo From(JsonElement queue) => new(
        queue.GetProperty("name").GetString()!,
        queue.GetProperty("type").GetString()!,
        queue.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.String ? leader.GetString() : null,
        queue.TryGetProperty("members", out var members) && members.ValueKind == JsonValueKind.Array ? [.. members.EnumerateArray().Select(m => m.GetString()!)] : [],
        queue.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number ? messages.GetInt64() : 0);
}
