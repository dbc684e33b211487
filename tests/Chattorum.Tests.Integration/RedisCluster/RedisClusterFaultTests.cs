using System.Diagnostics;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>
/// Redis Cluster faults under traffic, with three chat node processes: a primary killed, a replica killed, a slot
/// moved, the whole cluster restarted, a primary killed while its replica lagged. Each ends with the check of the
/// node fault tests: every acked message is stored, once, and every reader saw the stream in order.
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterFaultTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TrafficInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>After every node acks again, how soon every reader must get a new message (SubscriptionRecovery's bound, with margin).</summary>
    private static readonly TimeSpan SubscriptionsBackWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_primary_killed_under_traffic_is_replaced_and_loses_no_acked_message()
    {
        await using var run = await TrafficRun.StartAsync(fixture, "primary-kill", output);
        var clock = Stopwatch.StartNew();
        await run.Chat.Cluster.KillAsync(run.Primary);
        var promoted = await run.Chat.Cluster.WaitForFailoverAsync(run.Slot);
        run.Record("Redis primary SIGKILL", $"its replica {promoted.Port} was promoted", clock.Elapsed);
        await run.UntilEveryNodeAcksAsync(clock, "Redis primary SIGKILL");

        // Every node's subscription moved to the promoted replica soon (left to the client library, it took up to a minute).
        await run.EveryReaderGetsAsync("after the failover", SubscriptionsBackWithin, clock, "Redis primary SIGKILL");
        await run.FinishAsync();
    }

    [Fact]
    public async Task A_replica_killed_under_traffic_costs_no_acked_message()
    {
        await using var run = await TrafficRun.StartAsync(fixture, "replica-kill", output);
        var replica = await run.Chat.Cluster.ReplicaForAsync(run.Slot);
        var clock = Stopwatch.StartNew();
        await run.Chat.Cluster.KillAsync(replica);
        await run.UntilEveryNodeAcksAsync(clock, "Redis replica SIGKILL");
        await run.FinishAsync();
    }

    [Fact]
    public async Task A_slot_moved_under_traffic_takes_its_subscriptions_along_and_loses_nothing()
    {
        await using var run = await TrafficRun.StartAsync(fixture, "reshard", output);
        var target = (await run.Chat.Cluster.PrimariesAsync()).First(p => p != run.Primary);
        var clock = Stopwatch.StartNew();

        // Key by key, with traffic going on: ASK while the slot is half moved, MOVED after.
        await run.Chat.Cluster.MigrateSlotAsync(run.Slot, target, batch: 1);
        run.Record("Redis slot migration", $"slot {run.Slot} moved to {target.Port}", clock.Elapsed);
        Assert.Equal(target, await run.Chat.Cluster.PrimaryForAsync(run.Slot));
        await run.UntilEveryNodeAcksAsync(clock, "Redis slot migration");
        await run.FinishAsync();

        // Every node now subscribes to the room's channel on the slot's new owner.
        await Chattorum.Tests.Support.Eventually.EqualAsync(3L, async () => Convert.ToInt64(((object?[])(await target.CommandAsync("PUBSUB", "SHARDNUMSUB", RedisKeys.Events(run.Room).ToString()))!)[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_whole_cluster_restarted_with_its_append_only_files_loses_no_acked_message()
    {
        await using var run = await TrafficRun.StartAsync(fixture, "restart-all", output);
        var clock = Stopwatch.StartNew();
        await run.Chat.Cluster.RestartAllAsync();
        run.Record("Redis Cluster restart", "all six nodes were back and the cluster ok", clock.Elapsed);
        await run.UntilEveryNodeAcksAsync(clock, "Redis Cluster restart");
        await run.FinishAsync();
    }

    [Fact]
    public async Task A_primary_killed_while_its_replica_lags_loses_no_acked_message_because_none_was_acked()
    {
        await using var run = await TrafficRun.StartAsync(fixture, "lagging-replica", output);
        var replica = await run.Chat.Cluster.ReplicaForAsync(run.Slot);
        RedisClusterServer.Pause(replica);

        // While the replica takes nothing, a send is stored on the primary but not confirmed: answered unconfirmed,
        // with its id, and not acked.
        var probe = run.Probes[0];
        var reply = await probe.ReplyToAsync(await probe.SendMessageAsync(run.Room, "while the replica lags"), TimeSpan.FromSeconds(15));
        Assert.Equal(("error", "unconfirmed"), (Type(reply), reply.GetProperty("code").GetString()));
        Assert.Matches(@"^\d+-\d+$", reply.GetProperty("id").GetString());

        var clock = Stopwatch.StartNew();
        await run.Chat.Cluster.KillAsync(run.Primary);
        replica.Resume();
        var promoted = await run.Chat.Cluster.WaitForFailoverAsync(run.Slot);
        run.Record("Redis primary SIGKILL, replica lagging", $"the lagging replica {promoted.Port} was promoted", clock.Elapsed);
        await run.UntilEveryNodeAcksAsync(clock, "Redis primary SIGKILL, replica lagging");

        // Messages shown but never confirmed may be gone; every acked one is there.
        await run.FinishAsync(unconfirmedMayBeLost: true);
    }

    /// <summary>
    /// One room on a chosen primary (the one the fault hits) and one on another: readers spread over three chat
    /// nodes, a sender per node in each room at a steady pace, and a probe per node in the faulted room.
    /// </summary>
    private sealed class TrafficRun : IAsyncDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly List<(string Room, ResumingClient Reader)> _readers = [];
        private readonly List<(string Room, ChatTestClient Sender)> _senders = [];
        private SteadyTraffic? _traffic;

        private TrafficRun(ClusterChatNodes chat, RedisClusterNode primary, string room, string bystander, ITestOutputHelper output)
        {
            (Chat, Primary, Room, Bystander, _output) = (chat, primary, room, bystander, output);
        }

        public ClusterChatNodes Chat { get; }

        /// <summary>The primary of <see cref="Room"/>'s slot when the run started.</summary>
        public RedisClusterNode Primary { get; }

        public string Room { get; }

        /// <summary>A room on another shard: it must not notice the fault beyond a moment.</summary>
        public string Bystander { get; }

        public int Slot => ClusterChatNodes.SlotOf(Room);

        public List<ChatTestClient> Probes { get; } = [];

        public static async Task<TrafficRun> StartAsync(RedisClusterFixture fixture, string name, ITestOutputHelper output)
        {
            var chat = await ClusterChatNodes.StartAsync(fixture, 3);
            var rooms = await chat.RoomsOnEveryPrimaryAsync(name, perPrimary: 1);
            var run = new TrafficRun(chat, rooms[0].Primary, rooms[0].Room, rooms[1].Room, output);
            await run.ConnectAsync();
            return run;
        }

        private async Task ConnectAsync()
        {
            var tag = Room.Replace('-', '_');
            foreach (var room in new[] { Room, Bystander })
            {
                var count = room == Room ? 9 : 3;
                _readers.AddRange(Enumerable.Range(0, count).Select(i => (room, new ResumingClient($"r{i}_{room.Replace('-', '_')}", room))));
                _senders.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
                {
                    var sender = await ChatTestClient.ConnectAsync(Chat.Nodes[i], $"s{i}_{room.Replace('-', '_')}");
                    await sender.JoinAsync(room);
                    return (room, sender);
                })));
            }

            await Task.WhenAll(_readers.Select((r, i) => r.Reader.ConnectAsync(Chat.Nodes[i % 3])));
            Probes.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
            {
                var probe = await ChatTestClient.ConnectAsync(Chat.Nodes[i], $"p{i}_{tag}");
                await probe.JoinAsync(Room);
                return probe;
            })));
            _traffic = new SteadyTraffic(_senders.Select(s => (s.Sender, s.Room)), TrafficInterval);
            _traffic.Start();
            await _readers[0].Reader.ReadUntilAsync($"{_senders[0].Sender.Name} 3");
        }

        public void Record(string fault, string measure, TimeSpan time) => _output.WriteLine(ReliabilityLog.Record(fault, measure, time));

        /// <summary>Every node acks a send to the faulted room again (refused meanwhile, plainly).</summary>
        public async Task UntilEveryNodeAcksAsync(Stopwatch clock, string fault)
        {
            await Task.WhenAll(Probes.Select(p => Support.Probes.UntilAckedAsync(p, Room, clock, RecoveryLimit, ErrorCodes.Unavailable, ErrorCodes.Unconfirmed)));
            Record(fault, "every chat node acked sends to the room again", clock.Elapsed);
        }

        /// <summary>A probe posts <paramref name="text"/>; every reader of the room must have it within <paramref name="within"/>.</summary>
        public async Task EveryReaderGetsAsync(string text, TimeSpan within, Stopwatch clock, string fault)
        {
            Assert.Equal("ack", Type(await Probes[0].ReplyToAsync(await Probes[0].SendMessageAsync(Room, text))));
            await Task.WhenAll(_readers.Where(r => r.Room == Room).Select(r => r.Reader.ReadUntilAsync(text, within)));
            Record(fault, "every reader on every node got a message sent after it", clock.Elapsed);
        }

        /// <summary>Stops the traffic, posts "the end" in both rooms and checks what every reader saw against what is stored.</summary>
        public async Task FinishAsync(bool unconfirmedMayBeLost = false)
        {
            await _traffic!.StopAsync();
            foreach (var room in new[] { Room, Bystander })
            {
                var last = _senders.First(s => s.Room == room).Sender;
                await last.SendMessageAsync(room, "the end");
            }

            foreach (var (_, reader) in _readers)
            {
                await reader.ReadUntilAsync("the end", RecoveryLimit);
            }

            foreach (var room in new[] { Room, Bystander })
            {
                var entries = await Chat.StoredAsync(room);
                var stored = entries.Select(e => e.Id.ToString()).ToList();
                var acked = _senders.Where(s => s.Room == room).SelectMany(s => s.Sender.DrainAcks()).Select(a => a.GetProperty("id").GetString()!).ToList();
                _output.WriteLine($"{room}: {acked.Count} acked, {stored.Count} stored");
                Assert.NotEmpty(acked);
                Assert.All(acked, id => Assert.Contains(id, stored));
                Assert.Equal(stored.Count, stored.Distinct().Count());
                foreach (var (_, reader) in _readers.Where(r => r.Room == room))
                {
                    if (unconfirmedMayBeLost && room == Room)
                    {
                        SawTheStreamBesidesLost(entries, reader);
                    }
                    else
                    {
                        StreamAssert.SawTheStreamUpTo(entries, reader, "the end");
                    }
                }
            }
        }

        /// <summary>
        /// What the reader saw that is still stored is the stream from its first stored message on, once and in order;
        /// what it saw that is gone must be messages no sender was acked for (checked by the caller).
        /// </summary>
        private static void SawTheStreamBesidesLost(IReadOnlyList<StreamEntry> entries, ResumingClient reader)
        {
            var stored = entries.Select(e => e.Id.ToString()).ToList();
            var seen = reader.Ids.Where(stored.Contains).ToList();
            Assert.NotEmpty(seen);
            var start = stored.IndexOf(seen[0]);
            var end = stored.FindIndex(start, id => entries[stored.IndexOf(id)]["t"] == "the end");
            Assert.Equal(stored[start..(end + 1)], seen);
        }

        public async ValueTask DisposeAsync()
        {
            if (_traffic is not null)
            {
                await _traffic.DisposeAsync();
            }

            await Task.WhenAll(_readers.Select(r => r.Reader.DisposeAsync().AsTask())
                .Concat(_senders.Select(s => s.Sender.DisposeAsync().AsTask()))
                .Concat(Probes.Select(p => p.DisposeAsync().AsTask())));
            await Chat.DisposeAsync();
        }
    }
}
