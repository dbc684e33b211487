using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.AppHost;

/// <summary>
/// The AppHost's Redis Cluster mode, end to end: the chat nodes are given the primaries, Redis really is a cluster of three
/// primaries with a replica each, every address it announces is reachable (MOVED redirects lead somewhere), and chat
/// works through it. One started app for the class.
/// </summary>
[Collection(RedisClusterAppHostCollection.Name)]
public sealed class AppHostRedisClusterTests(RedisClusterAppHostFixture fixture, ITestOutputHelper output) : IClassFixture<RedisClusterAppHostFixture>
{
    private const int Primaries = 3;
    private const int ReplicasPerPrimary = 1;
    private const int Slots = 16384;

    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long the cluster may take to agree on roles and sync its replicas after it reported cluster_state:ok.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_chat_node_is_given_the_clusters_primaries_as_its_cache_connection_string()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("cache");
        var seeds = connectionString!.Split(',');

        Assert.Equal(Primaries, seeds.Length);
        Assert.All(seeds, seed => Assert.StartsWith("127.0.0.1:", seed, StringComparison.Ordinal));

        // What each running chat process got, as DCP reports its environment.
        var given = await ChatNodeEnvironmentAsync("ConnectionStrings__cache");
        Assert.Equal(ChatReplicas(), given.Count);
        Assert.All(given.Values, value => Assert.Equal(connectionString, value));
    }

    [Fact]
    public async Task Redis_is_a_cluster_of_three_primaries_each_with_a_replica()
    {
        await using var redis = await ConnectClusterAsync();
        var seeds = (await fixture.App.GetConnectionStringAsync("cache"))!.Split(',');

        foreach (var endpoint in redis.GetEndPoints())
        {
            var info = (string)(await redis.GetServer(endpoint).ExecuteAsync("CLUSTER", "INFO"))!;
            Assert.Contains("cluster_state:ok", info, StringComparison.Ordinal);
            Assert.Contains($"cluster_size:{Primaries}", info, StringComparison.Ordinal);
            Assert.Contains($"cluster_known_nodes:{Primaries * (1 + ReplicasPerPrimary)}", info, StringComparison.Ordinal);
        }

        // A replica's role reaches the other nodes by gossip, a moment after the slots (and cluster_state:ok).
        var seed = redis.GetServer(seeds[0]);
        await Eventually.EqualAsync(
            (Primaries, Primaries * ReplicasPerPrimary),
            async () => (await seed.ClusterNodesAsync())!.Nodes is var all ? (all.Count(node => !node.IsReplica), all.Count(node => node.IsReplica)) : default,
            SettleTimeout);
        var nodes = (await seed.ClusterNodesAsync())!.Nodes;
        var primaries = nodes.Where(node => !node.IsReplica).ToList();
        var replicas = nodes.Where(node => node.IsReplica).ToList();
        Assert.Equal(Primaries, primaries.Count);
        Assert.Equal(Primaries * ReplicasPerPrimary, replicas.Count);
        Assert.Equal(Slots, primaries.Sum(primary => primary.Slots.Sum(range => range.To - range.From + 1)));
        Assert.All(primaries, primary => Assert.Equal(ReplicasPerPrimary, replicas.Count(replica => replica.ParentNodeId == primary.NodeId)));

        // The chat nodes' seeds are exactly the primaries.
        Assert.Equal(
            seeds.Order(StringComparer.Ordinal),
            primaries.Select(primary => Format(primary.EndPoint)).Order(StringComparer.Ordinal));

        // The step that formed it ran to its end, successfully.
        var bootstrap = Assert.IsType<ResourceEvent>(fixture.App.ResourceNotifications.TryGetCurrentState(RedisClusterAppHostFixture.BootstrapResource, out var ended) ? ended : null);
        Assert.Equal((KnownResourceStates.Finished, 0), (bootstrap.Snapshot.State?.Text, bootstrap.Snapshot.ExitCode));
        output.WriteLine($"AppHost in Redis Cluster mode: cluster, RabbitMQ, ChatApi and StockBot healthy {fixture.StartTime.TotalSeconds:F1} s after the start");
    }

    [Fact]
    public async Task Every_announced_address_is_reachable_and_a_MOVED_redirect_leads_to_the_slots_owner()
    {
        await using var redis = await ConnectClusterAsync();
        var seeds = (await fixture.App.GetConnectionStringAsync("cache"))!.Split(',');
        var configuration = (await redis.GetServer(seeds[0]).ClusterNodesAsync())!;

        // CLUSTER SLOTS names every primary and replica (a replica once it has synced) by the address it announces:
        // each must answer PING there.
        var seed = redis.GetServer(seeds[0]);
        async Task<List<string>> AnnouncedAsync() => ((RedisResult[])(await seed.ExecuteAsync("CLUSTER", "SLOTS"))!)
            .SelectMany(range => ((RedisResult[])range!).Skip(2))
            .Select(node => $"{(string)((RedisResult[])node!)[0]!}:{(int)((RedisResult[])node!)[1]}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        await Eventually.EqualAsync(Primaries * (1 + ReplicasPerPrimary), async () => (await AnnouncedAsync()).Count, SettleTimeout);
        var announced = await AnnouncedAsync();
        foreach (var address in announced)
        {
            Assert.Equal("+PONG", await SendAsync(address, "PING"));
        }

        // A key that the first seed does not own: it answers MOVED with the owner's address, which takes the write.
        var first = configuration.Nodes.Single(node => Format(node.EndPoint) == seeds[0]);
        var key = Enumerable.Range(0, 1000)
            .Select(i => $"cluster-test:{i}")
            .First(k => !first.Slots.Any(range => range.From <= redis.HashSlot(k) && redis.HashSlot(k) <= range.To));
        var moved = await SendAsync(seeds[0], $"SET {key} v1");
        var parts = moved.Split(' ');
        Assert.Equal("-MOVED", parts[0]);
        Assert.Equal(redis.HashSlot(key).ToString(CultureInfo.InvariantCulture), parts[1]);
        Assert.Contains(parts[2], announced);
        Assert.Equal("+OK", await SendAsync(parts[2], $"SET {key} v1"));

        // And a client that follows redirects reads it back, with keys spread over every primary.
        var database = redis.GetDatabase();
        var keys = Enumerable.Range(0, 64).Select(i => (RedisKey)$"cluster-test:spread:{i}").ToList();
        await Task.WhenAll(keys.Select(k => database.StringSetAsync(k, k.ToString())));
        Assert.Equal(Primaries, keys.Select(k => Format(configuration.GetBySlot(k)!.EndPoint)).Distinct(StringComparer.Ordinal).Count());
        Assert.All(await Task.WhenAll(keys.Select(k => database.StringGetAsync(k))), (value, i) => Assert.Equal(keys[i].ToString(), value.ToString()));
        Assert.Equal("v1", (string?)await database.StringGetAsync(key));
    }

    [Fact]
    public async Task Two_clients_chat_through_the_cluster_and_the_room_lives_in_it()
    {
        var chatApi = new ChatEndpointAt(fixture.GetChatApiEndpoint());
        const string room = "cluster-lobby";
        await using var alice = await ConnectAsync(chatApi, "alice");
        await using var bob = await ConnectAsync(chatApi, "bob");
        await alice.JoinAsync(room);
        await bob.JoinAsync(room);

        var cid = await alice.SendMessageAsync(room, "hello through the cluster");
        var atBob = await bob.WaitForAsync(f => IsMessageIn(f, room));
        Assert.Equal(("alice", "hello through the cluster"), (atBob.GetProperty("user").GetString(), atBob.GetProperty("text").GetString()));
        var ack = (await alice.AcksAsync(1))[0];
        Assert.Equal(cid, ack.GetProperty("cid").GetString());

        await bob.SendMessageAsync(room, "hi alice");
        var reply = await alice.WaitForAsync(f => IsMessageIn(f, room) && f.GetProperty("user").GetString() == "bob");
        Assert.Equal("hi alice", reply.GetProperty("text").GetString());

        // The room's stream is in the cluster, on the primary that owns its slot, in the order the clients saw.
        await using var redis = await ConnectClusterAsync();
        var stored = await redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        Assert.Equal([atBob.GetProperty("id").GetString(), reply.GetProperty("id").GetString()], stored.Select(entry => entry.Id.ToString()));
    }

    /// <summary>A StackExchange.Redis client on the connection string the chat nodes are given.</summary>
    private async Task<ConnectionMultiplexer> ConnectClusterAsync()
    {
        var options = ConfigurationOptions.Parse((await fixture.App.GetConnectionStringAsync("cache"))!);
        options.ConnectTimeout = (int)IoTimeout.TotalMilliseconds;
        options.AllowAdmin = true; // CLUSTER INFO / NODES / SLOTS
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        Assert.True(redis.IsConnected, "not connected to the cluster");
        return redis;
    }

    private int ChatReplicas()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        return model.Resources.Single(resource => resource.Name == "chatapi").Annotations.OfType<ReplicaAnnotation>().Single().Replicas;
    }

    /// <summary>The value of one environment variable in every running chatapi replica, by replica, as DCP reports them.</summary>
    private async Task<Dictionary<string, string>> ChatNodeEnvironmentAsync(string variable)
    {
        var replicas = ChatReplicas();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(IoTimeout);
        try
        {
            // WatchAsync replays every resource's current state first, then follows changes.
            await foreach (var resourceEvent in fixture.App.ResourceNotifications.WatchAsync(timeout.Token))
            {
                if (resourceEvent.Resource.Name == "chatapi"
                    && resourceEvent.Snapshot.State?.Text == KnownResourceStates.Running
                    && resourceEvent.Snapshot.EnvironmentVariables.FirstOrDefault(env => env.Name == variable)?.Value is { } value)
                {
                    values[resourceEvent.ResourceId] = value;
                    if (values.Count == replicas)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"{variable} seen in {values.Count} of {replicas} chatapi replicas within {IoTimeout}.");
        }

        return values;
    }

    /// <summary>One command over a plain socket (no redirects followed): the first line of the reply.</summary>
    private static async Task<string> SendAsync(string address, string command)
    {
        var colon = address.LastIndexOf(':');
        using var timeout = new CancellationTokenSource(IoTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture), timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);

        var reply = new StringBuilder();
        var buffer = new byte[512];
        while (!reply.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(n > 0, $"{address} closed the connection after '{command}'");
            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return reply.ToString()[..reply.ToString().IndexOf("\r\n", StringComparison.Ordinal)];
    }

    private static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => throw new InvalidOperationException($"unexpected endpoint {endPoint}"),
    };
}
