using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>Chat node processes on a Redis Cluster (given its primaries, as an operator would), and rooms placed on chosen shards.</summary>
public sealed class ClusterChatNodes : IAsyncDisposable
{
    private ClusterChatNodes(RedisClusterServer cluster, ChatNodeProcess[] nodes, ConnectionMultiplexer redis) =>
        (Cluster, Nodes, Redis) = (cluster, nodes, redis);

    public RedisClusterServer Cluster { get; }

    public IReadOnlyList<ChatNodeProcess> Nodes { get; }

    /// <summary>The test's own connection to the cluster, to read what is stored.</summary>
    public ConnectionMultiplexer Redis { get; }

    public static async Task<ClusterChatNodes> StartAsync(RedisClusterFixture fixture, int count, params (string Key, string Value)[] settings)
    {
        await fixture.Cluster.HealAsync();
        var nodes = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => ChatNodeProcess.StartAsync(fixture.Cluster.ConnectionString, settings)));
        return new ClusterChatNodes(fixture.Cluster, nodes, await fixture.ConnectAsync());
    }

    /// <summary>The room's slot: that of its stream, channel and every other key of it.</summary>
    public static int SlotOf(string room) => HashSlots.Of(RedisKeys.Stream(room).ToString());

    /// <summary><paramref name="perPrimary"/> rooms named <paramref name="prefix"/>-N on each primary, by the primary's port.</summary>
    public async Task<IReadOnlyList<(RedisClusterNode Primary, string Room)>> RoomsOnEveryPrimaryAsync(string prefix, int perPrimary)
    {
        var view = await Cluster.ViewAsync();
        var primaries = view.Where(entry => entry.IsPrimary && entry.SlotCount > 0).ToList();
        var rooms = new List<(RedisClusterNode, string)>();
        for (var i = 0; rooms.Count < primaries.Count * perPrimary; i++)
        {
            var room = $"{prefix}-{i}";
            var owner = primaries.Single(entry => entry.Owns(SlotOf(room)));
            if (rooms.Count(r => r.Item1.Id == owner.Id) < perPrimary)
            {
                rooms.Add((Cluster.NodeWithId(owner.Id), room));
            }
        }

        return rooms;
    }

    public async Task<IReadOnlyList<StreamEntry>> StoredAsync(string room) =>
        await Redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        await Redis.DisposeAsync();
    }
}
