using System.Diagnostics;
using Chattorum.Tests.Support;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Cluster;

/// <summary>Nodes and Redis failing under traffic. Each test has a cluster of its own.</summary>
public class FailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Clients_of_a_killed_node_resume_on_the_others_with_nothing_missing_or_repeated()
    {
        await using var cluster = new ClusterFixture();
        await cluster.InitializeAsync();
        const string room = "kill";
        var victim = cluster.Nodes[2];

        // 12 readers on each node, and senders on the two nodes that survive.
        var readers = Enumerable.Range(0, 36).Select(i => new ResumingClient($"reader{i:00}", room)).ToList();
        await Task.WhenAll(readers.Select((r, i) => r.ConnectAsync(cluster.Nodes[i % 3])));
        var senders = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var sender = await ConnectAsync(cluster.Nodes[i % 2], $"sender{i}");
            await sender.JoinAsync(room);
            return sender;
        }));
        await using var traffic = new SteadyTraffic(senders.Select(s => (s, room)), TimeSpan.FromMilliseconds(150));
        traffic.Start();
        await readers[2].ReadUntilAsync("sender0 5");

        var clock = Stopwatch.StartNew();
        await victim.KillAsync();
        var orphans = readers.Where((_, i) => i % 3 == 2).ToList();
        await Task.WhenAll(orphans.Select(r => r.Connection.WaitClosedAsync()));
        await Task.WhenAll(orphans.Select((r, i) => r.ConnectAsync(cluster.Nodes[i % 2])));
        output.WriteLine($"the killed node's clients were back on other nodes after {clock.ElapsedMilliseconds} ms");
        await orphans[0].ReadUntilAsync("sender1 20");

        await traffic.StopAsync();
        await senders[0].SendMessageAsync(room, "the end");
        await Task.WhenAll(readers.Select(r => r.ReadUntilAsync("the end")));

        var entries = await cluster.RedisConnection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        var stored = entries.Select(e => e.Id.ToString()).ToList();
        var acked = senders.SelectMany(s => s.DrainAcks()).Select(a => a.GetProperty("id").GetString()!).ToList();
        Assert.All(acked, id => Assert.Contains(id, stored));
        foreach (var reader in readers)
        {
            // From its first message on, every reader has the stream's every id, once and in order.
            StreamAssert.SawTheStreamUpTo(entries, reader, "the end");
            Assert.False(reader.Truncated);
        }

        await Task.WhenAll(readers.Select(r => r.DisposeAsync().AsTask()));
        await Task.WhenAll(senders.Select(s => s.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task The_members_of_a_dead_node_are_gone_within_seconds()
    {
        await using var cluster = new ClusterFixture();
        await cluster.InitializeAsync();
        await using var watcher = await ConnectAsync(cluster.Nodes[0], "watcher_dn");
        await watcher.JoinAsync("dead");
        var ghosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
        {
            var ghost = await ConnectAsync(cluster.Nodes[2], $"ghost{i}");
            await ghost.JoinAsync("dead");
            return ghost;
        }));
        await watcher.CollectAsync(f => Type(f) == "presence" && f.GetProperty("event").GetString() == "joined", 3);

        var clock = Stopwatch.StartNew();
        await cluster.Nodes[2].KillAsync();
        var left = await watcher.CollectAsync(f => Type(f) == "presence" && f.GetProperty("event").GetString() == "left", 3, TimeSpan.FromSeconds(30));
        output.WriteLine($"a dead node's members were removed after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["ghost0", "ghost1", "ghost2"], left.Select(f => f.GetProperty("user").GetString()!).Order(StringComparer.Ordinal));
        Assert.True(clock.Elapsed < ChatApi.ChatLimits.PresenceTtl + (2 * ChatApi.ChatLimits.PresenceHeartbeat), $"took {clock.Elapsed}");

        await using var late = await ConnectAsync(cluster.Nodes[1], "late_dn");
        var joined = await late.JoinAsync("dead");
        Assert.Equal(["late_dn", "watcher_dn"], joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));
        await Task.WhenAll(ghosts.Select(g => g.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task A_redis_restart_loses_no_acked_message_and_the_nodes_recover_on_their_own()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var nodeA = await ChatServer.StartAsync(redis);
        await using var nodeB = await ChatServer.StartAsync(redis);
        using var reconnects = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            nodeA.Get<System.Diagnostics.Metrics.IMeterFactory>(), ChatApi.ChatMetrics.MeterName, "chat.backplane.reconnects");
        const string room = "restart";
        var readers = Enumerable.Range(0, 10).Select(i => new ResumingClient($"rr_reader{i}", room)).ToList();
        await Task.WhenAll(readers.Select((r, i) => r.ConnectAsync(i % 2 == 0 ? nodeA : nodeB)));
        var senders = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            var sender = await ConnectAsync(i % 2 == 0 ? nodeA : nodeB, $"rr_sender{i}");
            await sender.JoinAsync(room);
            return sender;
        }));
        await using var probe = await ConnectAsync(nodeB, "rr_probe");
        await probe.JoinAsync(room);
        await using var traffic = new SteadyTraffic(senders.Select(s => (s, room)), TimeSpan.FromMilliseconds(150));
        traffic.Start();
        await readers[0].ReadUntilAsync("rr_sender1 3");

        await redis.StopAsync();
        var clock = Stopwatch.StartNew();

        // While Redis is away a send is refused, plainly, and the connection stays.
        var refused = await probe.SendMessageAsync(room, "while redis is down");
        var error = await probe.WaitForAsync(f => Type(f) == "error");
        output.WriteLine($"a send was refused {clock.ElapsedMilliseconds} ms after Redis stopped");
        Assert.Equal(("unavailable", "send", refused), (error.GetProperty("code").GetString(), error.GetProperty("frame").GetString(), error.GetProperty("cid").GetString()));

        await redis.RestartAsync();
        output.WriteLine($"Redis was back {clock.ElapsedMilliseconds} ms after it stopped");
        // Nodes reconnect by themselves: the probe's sends are refused until they are accepted.
        await Probes.UntilAckedAsync(probe, room, clock, TimeSpan.FromSeconds(30));

        output.WriteLine($"sends were accepted again {clock.ElapsedMilliseconds} ms after Redis stopped");
        await Eventually.EqualAsync(true, () => Task.FromResult(reconnects.GetMeasurementSnapshot().EvaluateAsCounter() >= 1));
        await readers[1].ReadUntilAsync("probe");
        await traffic.StopAsync();
        await senders[0].SendMessageAsync(room, "the end");
        await Task.WhenAll(readers.Select(r => r.ReadUntilAsync("the end")));

        var entries = await (await RedisFixture.ConnectAsync(redis)).GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        var stored = entries.Select(e => e.Id.ToString()).ToList();
        var acked = senders.SelectMany(s => s.DrainAcks()).Select(a => a.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(acked);
        Assert.All(acked, id => Assert.Contains(id, stored));
        foreach (var reader in readers)
        {
            Assert.Equal(WebSocketStateOpen, reader.Connection.State);
            StreamAssert.SawTheStreamUpTo(entries, reader, "the end");
        }

        await Task.WhenAll(readers.Select(r => r.DisposeAsync().AsTask()));
        await Task.WhenAll(senders.Select(s => s.DisposeAsync().AsTask()));
    }

    private const System.Net.WebSockets.WebSocketState WebSocketStateOpen = System.Net.WebSockets.WebSocketState.Open;
}
