using System.Diagnostics;
using System.Text;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>The Redis Cluster fixture itself (not Chattorum): its layout, its slot arithmetic, and the faults it makes.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterServerTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>Keys in the slot the migration test moves, one per MIGRATE: as many half-moved states to check.</summary>
    private const int KeysInMigratedSlot = 5;

    /// <summary>How long a primary's WAIT waits for a replica that is paused: it must time out.</summary>
    private const int LaggingWaitMilliseconds = 300;

    /// <summary>How long a primary's WAIT may wait for a replica that is running: it answers at once.</summary>
    private const int HealthyWaitMilliseconds = 5_000;

    private RedisClusterServer Cluster => fixture.Cluster;

    [Fact]
    public async Task Has_three_primaries_each_with_a_synced_replica_and_covers_every_slot()
    {
        await Cluster.HealAsync();
        output.WriteLine($"the shared cluster formed in {fixture.StartedIn.TotalMilliseconds:0} ms");

        var view = await Cluster.ViewAsync();
        Assert.Equal(RedisClusterServer.NodeCount, view.Count);
        var primaries = view.Where(entry => entry.IsPrimary).ToList();
        Assert.Equal(3, primaries.Count);
        Assert.All(primaries, primary => Assert.Single(view, entry => entry.IsReplica && entry.PrimaryId == primary.Id));
        Assert.All(Enumerable.Range(0, Chattorum.Tests.Support.HashSlots.Count), slot => Assert.Single(primaries, primary => primary.Owns(slot)));

        foreach (var node in Cluster.Nodes)
        {
            Assert.True(node.Pid > 0);
            var info = RedisClusterNode.ParseFields(await node.TextAsync("CLUSTER", "INFO"));
            Assert.Equal("ok", info["cluster_state"]);
            Assert.Equal("16384", info["cluster_slots_ok"]);
            Assert.Equal("6", info["cluster_known_nodes"]);
            Assert.Equal("3", info["cluster_size"]);
            if (view.Single(entry => entry.Id == node.Id).IsReplica)
            {
                Assert.Equal("up", await node.InfoFieldAsync("replication", "master_link_status"));
            }
        }

        Assert.Equal(
            primaries.Select(primary => Cluster.NodeWithId(primary.Id).EndPoint).Order(),
            Cluster.ConnectionString.Split(',').Order());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("foo")]
    [InlineData("123456789")]
    [InlineData("{room}")]
    [InlineData("chattorum:room:{r1}:events")]
    [InlineData("chattorum:room:{r1}:stream")]
    [InlineData("chattorum:room:{general}:members")]
    [InlineData("{user1000}.following")]
    [InlineData("foo{}{bar}")]
    [InlineData("foo{{bar}}zap")]
    [InlineData("foo{bar}{zap}")]
    [InlineData("{}")]
    [InlineData("{")]
    [InlineData("}{")]
    [InlineData("a{b")]
    [InlineData("salle:{café}:événements")]
    [InlineData("房间{聊天}")]
    public async Task KeySlot_matches_CLUSTER_KEYSLOT(string key)
    {
        // RedisNodeClient sends text as Latin-1, one byte per char: this string's bytes are the key's UTF-8 bytes.
        var utf8 = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(key));
        var node = Cluster.Nodes.First(node => node.IsLive);
        Assert.Equal((long)RedisClusterServer.KeySlot(key), await node.CommandAsync("CLUSTER", "KEYSLOT", utf8));
    }

    [Theory]
    [InlineData("123456789", 12739)] // CRC16/XMODEM's check value, 0x31C3
    [InlineData("foo", 12182)] // Redis's cluster specification
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    public void KeySlot_is_CRC16_XMODEM_of_the_hash_tag(string key, int slot) => Assert.Equal(slot, RedisClusterServer.KeySlot(key));

    [Fact]
    public async Task Migrating_a_slot_key_by_key_moves_its_keys_while_the_client_follows_ASK_then_MOVED()
    {
        await Cluster.HealAsync();
        await using var redis = await fixture.ConnectAsync();
        var db = redis.GetDatabase();
        var keys = Enumerable.Range(0, KeysInMigratedSlot).Select(i => $"{{migrating}}:key:{i}").ToArray();
        foreach (var key in keys)
        {
            await db.KeyDeleteAsync(key);
            await db.StringSetAsync(key, "0");
        }

        var slot = RedisClusterServer.KeySlot(keys[0]);
        var source = await Cluster.PrimaryForAsync(slot);
        var target = (await Cluster.PrimariesAsync()).First(node => node != source);
        var batches = 0;
        await Cluster.MigrateSlotAsync(slot, target, batch: 1, betweenBatches: async () =>
        {
            batches++;

            // Half moved: the source answers ASK for every key it no longer holds, and still serves the others...
            var asked = 0;
            foreach (var key in keys)
            {
                try
                {
                    await source.CommandAsync("GET", key);
                }
                catch (RedisNodeException exception) when (exception.Message.StartsWith($"ASK {slot} {target.EndPoint}", StringComparison.Ordinal))
                {
                    asked++;
                }
            }

            Assert.Equal(batches, asked);

            // ...and through the library every key reads and takes writes, wherever it is.
            foreach (var key in keys)
            {
                Assert.Equal(batches - 1, (int)await db.StringGetAsync(key));
                await db.StringSetAsync(key, batches);
            }
        });

        Assert.Equal(KeysInMigratedSlot, batches);
        Assert.Equal(target, await Cluster.PrimaryForAsync(slot));
        var moved = await Assert.ThrowsAsync<RedisNodeException>(() => source.CommandAsync("GET", keys[0]));
        Assert.Equal($"MOVED {slot} {target.EndPoint}", moved.Message);
        foreach (var key in keys)
        {
            Assert.Equal(batches.ToString(System.Globalization.CultureInfo.InvariantCulture), await target.CommandAsync("GET", key));
            Assert.Equal(batches + 1, await db.StringIncrementAsync(key));
        }
    }

    [Fact]
    public async Task Killing_a_primary_promotes_its_replica_which_kept_the_data_and_the_restarted_node_rejoins_as_its_replica()
    {
        await Cluster.HealAsync();
        const string key = "{failover}:key";
        var slot = RedisClusterServer.KeySlot(key);
        var primary = await Cluster.PrimaryForAsync(slot);
        var replica = await Cluster.ReplicaForAsync(slot);
        using (var client = await RedisNodeClient.ConnectAsync(primary.Port))
        {
            // Acknowledged by the replica before the kill, so it must survive the failover.
            await client.CommandAsync("SET", key, "kept");
            Assert.Equal(1L, await client.CommandAsync("WAIT", "1", HealthyWaitMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var clock = Stopwatch.StartNew();
        await Cluster.KillAsync(primary);
        Assert.False(primary.IsRunning);
        var promoted = await Cluster.WaitForFailoverAsync(slot);
        output.WriteLine($"failover: {clock.ElapsedMilliseconds} ms from SIGKILL to a promoted replica and every live node ok");
        Assert.Equal(replica, promoted);
        Assert.Equal("master", await promoted.InfoFieldAsync("replication", "role"));
        Assert.Equal("kept", await promoted.CommandAsync("GET", key));

        clock.Restart();
        await Cluster.RestartNodeAsync(primary);
        output.WriteLine($"restart: {clock.ElapsedMilliseconds} ms until the old primary had rejoined as a synced replica");
        Assert.Equal("slave", await primary.InfoFieldAsync("replication", "role"));
        Assert.Equal(promoted.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), await primary.InfoFieldAsync("replication", "master_port"));
    }

    [Fact]
    public async Task A_paused_replica_makes_WAIT_time_out_until_it_resumes()
    {
        await Cluster.HealAsync();
        const string key = "{lagging}:key";
        var slot = RedisClusterServer.KeySlot(key);
        var primary = await Cluster.PrimaryForAsync(slot);
        var replica = await Cluster.ReplicaForAsync(slot);
        using var client = await RedisNodeClient.ConnectAsync(primary.Port);

        RedisClusterServer.Pause(replica);
        try
        {
            await client.CommandAsync("SET", key, "1");
            var clock = Stopwatch.StartNew();
            Assert.Equal(0L, await client.CommandAsync("WAIT", "1", LaggingWaitMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(clock.ElapsedMilliseconds >= LaggingWaitMilliseconds - 10, $"WAIT returned after {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            await Cluster.ResumeAsync(replica);
        }

        await client.CommandAsync("SET", key, "2");
        Assert.Equal(1L, await client.CommandAsync("WAIT", "1", HealthyWaitMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var onReplica = await RedisNodeClient.ConnectAsync(replica.Port);
        await onReplica.CommandAsync("READONLY");
        Assert.Equal("2", await onReplica.CommandAsync("GET", key));
    }

    [Fact]
    public async Task Restarting_every_node_keeps_the_layout_and_the_data()
    {
        await Cluster.HealAsync();
        var keys = Enumerable.Range(0, 30).Select(i => $"restart:{i}").ToArray();
        await using (var redis = await fixture.ConnectAsync())
        {
            foreach (var key in keys)
            {
                await redis.GetDatabase().StringSetAsync(key, key);
            }
        }

        var primariesBefore = (await Cluster.PrimariesAsync()).Select(node => node.Id).Order().ToList();
        var pidsBefore = Cluster.Nodes.Select(node => node.Pid).ToList();
        var clock = Stopwatch.StartNew();
        await Cluster.RestartAllAsync();
        output.WriteLine($"restart of all six: {clock.ElapsedMilliseconds} ms from SIGTERM to a settled cluster");

        Assert.All(Cluster.Nodes.Zip(pidsBefore), pair => Assert.NotEqual(pair.Second, pair.First.Pid));
        Assert.Equal(primariesBefore, (await Cluster.PrimariesAsync()).Select(node => node.Id).Order().ToList());
        await using (var redis = await fixture.ConnectAsync())
        {
            foreach (var key in keys)
            {
                Assert.Equal(key, (string?)await redis.GetDatabase().StringGetAsync(key));
            }
        }
    }

    [Fact]
    public async Task A_cluster_of_its_own_starts_and_stops_leaving_nothing_behind()
    {
        var clock = Stopwatch.StartNew();
        var cluster = await RedisClusterServer.StartAsync();
        var started = clock.Elapsed;
        var processes = cluster.Nodes.Select(node => Process.GetProcessById(node.Pid)).ToList();
        clock.Restart();
        await cluster.DisposeAsync();
        output.WriteLine($"a cluster of its own: started in {started.TotalMilliseconds:0} ms, disposed in {clock.ElapsedMilliseconds} ms");

        Assert.All(processes, process => Assert.True(process.HasExited));
        Assert.False(Directory.Exists(cluster.Folder));
    }
}
