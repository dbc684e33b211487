using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>
/// Three chat node processes on a real Redis Cluster (3 primaries, 3 replicas): rooms on every shard, clients on
/// every node, one order for all, resume with <c>since</c>, presence across nodes, and each room's events on its
/// own shard only (sharded pub/sub).
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class ChatOnRedisClusterTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    private const int MessagesPerSender = 15;

    [Fact]
    public async Task Rooms_on_every_shard_give_every_client_on_every_node_one_order()
    {
        await using var chat = await ClusterChatNodes.StartAsync(fixture, 3);
        var rooms = await chat.RoomsOnEveryPrimaryAsync("order", perPrimary: 2);
        Assert.Equal(3, rooms.Select(r => r.Primary).Distinct().Count());

        // Per room: six readers, two on each node, and two senders on different nodes sending at once.
        var readers = rooms.SelectMany(r => Enumerable.Range(0, 6).Select(i => (Room: r.Room, Reader: new ResumingClient($"rd{i}_{r.Room}".Replace('-', '_'), r.Room)))).ToList();
        await Task.WhenAll(readers.Select((r, i) => r.Reader.ConnectAsync(chat.Nodes[i % 3])));
        var senders = await Task.WhenAll(rooms.SelectMany(r => Enumerable.Range(0, 2).Select(async i =>
        {
            var sender = await ConnectAsync(chat.Nodes[i], $"sd{i}_{r.Room}".Replace('-', '_'));
            await sender.JoinAsync(r.Room);
            return (r.Room, Sender: sender);
        })));
        try
        {
            await Task.WhenAll(senders.Select(async s =>
            {
                var cids = new List<string>();
                for (var n = 0; n < MessagesPerSender; n++)
                {
                    cids.Add(await s.Sender.SendMessageAsync(s.Room, $"{s.Sender.Name} {n}"));
                }

                foreach (var cid in cids)
                {
                    var reply = await s.Sender.ReplyToAsync(cid);
                    Assert.True(Type(reply) == "ack", reply.ToString());
                }
            }));

            // Every send is acked: one last message per room, after which each reader has seen the whole room.
            foreach (var (_, room) in rooms)
            {
                await senders.First(s => s.Room == room).Sender.SendMessageAsync(room, "the end");
            }

            await Task.WhenAll(readers.Select(r => r.Reader.ReadUntilAsync("the end")));

            foreach (var (primary, room) in rooms)
            {
                var stored = await chat.StoredAsync(room);
                Assert.Equal((2 * MessagesPerSender) + 1, stored.Count);
                foreach (var (_, reader) in readers.Where(r => r.Room == room))
                {
                    StreamAssert.SawTheStream([.. stored.Select(e => e.Id.ToString())], reader);
                }
            }

            // Each room's channel is a sharded channel with subscribers on its own primary only, from every node.
            foreach (var (primary, room) in rooms)
            {
                var channel = RedisKeys.Events(room).ToString();
                foreach (var node in await chat.Cluster.PrimariesAsync())
                {
                    var subscribers = await ShardSubscribersAsync(node, channel);
                    output.WriteLine($"{room} (slot {ClusterChatNodes.SlotOf(room)}): {subscribers} node subscription(s) on {node}");
                    Assert.Equal(node == primary ? 3 : 0, subscribers);
                }
            }
        }
        finally
        {
            await Task.WhenAll(readers.Select(r => r.Reader.DisposeAsync().AsTask()).Concat(senders.Select(s => s.Sender.DisposeAsync().AsTask())));
        }
    }

    [Fact]
    public async Task A_client_resumes_on_another_node_with_exactly_what_it_missed()
    {
        await using var chat = await ClusterChatNodes.StartAsync(fixture, 2);
        foreach (var (_, room) in await chat.RoomsOnEveryPrimaryAsync("resume", perPrimary: 1))
        {
            await using var sender = await ConnectAsync(chat.Nodes[0], $"rs_sender_{room[^1]}");
            await sender.JoinAsync(room);
            await using var reader = await ConnectAsync(chat.Nodes[0], $"rs_reader_{room[^1]}");
            await reader.JoinAsync(room);
            var before = await sender.ReplyToAsync(await sender.SendMessageAsync(room, "before"));
            var seen = (await reader.WaitForAsync(f => IsMessageIn(f, room))).GetProperty("id").GetString();
            Assert.Equal(before.GetProperty("id").GetString(), seen);
            await reader.DisposeAsync();

            var missed = new List<string>();
            for (var n = 0; n < 5; n++)
            {
                missed.Add((await sender.ReplyToAsync(await sender.SendMessageAsync(room, $"missed {n}"))).GetProperty("id").GetString()!);
            }

            await using var back = await ConnectAsync(chat.Nodes[1], $"rs_reader_{room[^1]}");
            var joined = await back.JoinAsync(room, since: seen);
            Assert.Equal((missed.Count, false), (joined.GetProperty("history").GetInt32(), joined.GetProperty("truncated").GetBoolean()));
            var history = new List<string>();
            while (history.Count < missed.Count)
            {
                history.Add((await back.WaitForAsync(f => IsMessageIn(f, room))).GetProperty("id").GetString()!);
            }

            Assert.Equal(missed, history);
        }
    }

    [Fact]
    public async Task Presence_spans_nodes_on_a_cluster()
    {
        await using var chat = await ClusterChatNodes.StartAsync(fixture, 2);
        foreach (var (_, room) in await chat.RoomsOnEveryPrimaryAsync("presence", perPrimary: 1))
        {
            var suffix = room[^1];
            await using var watcher = await ConnectAsync(chat.Nodes[0], $"pw_{suffix}");
            await watcher.JoinAsync(room);
            var carol = await ConnectAsync(chat.Nodes[1], $"carol_{suffix}");
            var joined = await carol.JoinAsync(room);
            Assert.Contains($"pw_{suffix}", joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()));

            var arrived = await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == $"carol_{suffix}");
            Assert.Equal("joined", arrived.GetProperty("event").GetString());
            await carol.DisposeAsync();
            var gone = await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == $"carol_{suffix}");
            Assert.Equal("left", gone.GetProperty("event").GetString());
        }
    }

    private static async Task<long> ShardSubscribersAsync(RedisClusterNode node, string channel)
    {
        var reply = (object?[])(await node.CommandAsync("PUBSUB", "SHARDNUMSUB", channel))!;
        return Convert.ToInt64(reply[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
