using System.Collections.Concurrent;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Backplane;

/// <summary>
/// Presence with liveness per node, against a real Redis: a dead node is swept once, by one survivor, only by a
/// survivor that has itself been alive for a whole TTL; a node the registry forgot writes its memberships again; and
/// what the scripts publish is byte for byte what <see cref="RoomWireFormat"/> writes.
/// </summary>
public sealed class PresenceLivenessTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Node(RedisFixture redis, string id)
    {
        public ChatNode Identity { get; } = new(id);

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        public RedisPresence Presence => field ??= new RedisPresence(redis.Connection, Identity);

        public NodeLiveness Liveness => field ??= new NodeLiveness(redis.Connection, Presence, Identity, TestMeters.Chat(), new ChatOptions(), Time, NullLogger<NodeLiveness>.Instance);

        /// <summary>Beats once, then again a TTL later by its clock: from then on it may sweep.</summary>
        public async Task BecomeSeasonedAsync()
        {
            await Liveness.BeatAsync();
            Time.Advance(ChatLimits.PresenceTtl);
        }
    }

    /// <summary>Everything the room's channel carries, as the raw envelopes.</summary>
    private sealed class ChannelWatch : IAsyncDisposable
    {
        private readonly ChannelMessageQueue _queue;
        private readonly System.Threading.Channels.Channel<byte[]> _seen = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();

        private ChannelWatch(ChannelMessageQueue queue)
        {
            _queue = queue;
            _queue.OnMessage(message => _seen.Writer.TryWrite((byte[])message.Message!));
        }

        public static async Task<ChannelWatch> StartAsync(IConnectionMultiplexer connection, string room) =>
            new(await connection.GetSubscriber().SubscribeAsync(RedisKeys.Events(room)));

        public async Task<byte[]> NextAsync() => await _seen.Reader.ReadAsync().AsTask().WaitAsync(Timeout);

        public List<byte[]> Drain()
        {
            var all = new List<byte[]>();
            while (_seen.Reader.TryRead(out var envelope))
            {
                all.Add(envelope);
            }

            return all;
        }

        public async ValueTask DisposeAsync() => await _queue.UnsubscribeAsync();
    }

    private IDatabase Db => redis.Connection.GetDatabase();

    private async Task MarkDeadAsync(ChatNode node)
    {
        var time = await Db.ExecuteAsync("TIME");
        var nowMs = (long)((RedisResult[])time!)[0] * 1000;
        await Db.SortedSetAddAsync(RedisKeys.NodeRegistry, node.Id, nowMs - (2 * (long)ChatLimits.PresenceTtl.TotalMilliseconds));
    }

    private static string NewRoom() => $"live-{Guid.NewGuid():N}"[..16];

    /// <summary>Publishes a marker and reads up to it: whatever was published before it has arrived.</summary>
    private async Task<List<byte[]>> UntilMarkerAsync(ChannelWatch watch, string room)
    {
        var marker = System.Text.Encoding.ASCII.GetBytes($"marker {Guid.NewGuid():N}");
        await redis.Connection.GetSubscriber().PublishAsync(RedisKeys.Events(room), marker);
        var before = new List<byte[]>();
        while (await watch.NextAsync() is var envelope && !envelope.AsSpan().SequenceEqual(marker))
        {
            before.Add(envelope);
        }

        return before;
    }

    [Fact]
    public async Task A_dead_node_is_swept_by_a_seasoned_survivor_and_written_again_when_it_comes_back()
    {
        var room = NewRoom();
        var carolsNode = new Node(redis, "carols-node");
        var survivor = new Node(redis, "survivor");
        await using var watch = await ChannelWatch.StartAsync(redis.Connection, room);

        await carolsNode.Liveness.BeatAsync();
        await carolsNode.Presence.OpenRoomAsync(room);
        await carolsNode.Presence.JoinAsync(room, "carol");
        Assert.Equal(RoomWireFormat.PresenceEnvelope(room, "carol", joined: true), await watch.NextAsync());
        Assert.True(await Db.SetContainsAsync(RedisKeys.NodeRooms(carolsNode.Identity.Id), room));

        // Dead by the registry, but a survivor that has not been beating for a whole TTL leaves it alone.
        await MarkDeadAsync(carolsNode.Identity);
        await survivor.Liveness.BeatAsync();
        Assert.Empty(await UntilMarkerAsync(watch, room));
        Assert.True(await Db.HashExistsAsync(RedisKeys.Members(room), "carol"));

        survivor.Time.Advance(ChatLimits.PresenceTtl);
        await survivor.Liveness.BeatAsync();
        Assert.Equal([RoomWireFormat.PresenceEnvelope(room, "carol", joined: false)], await UntilMarkerAsync(watch, room));
        Assert.False(await Db.HashExistsAsync(RedisKeys.Members(room), "carol"));
        Assert.Null(await Db.SortedSetScoreAsync(RedisKeys.NodeRegistry, carolsNode.Identity.Id));
        Assert.False(await Db.KeyExistsAsync(RedisKeys.NodeRooms(carolsNode.Identity.Id)));

        // Carol's node was only cut off: its next beat finds it forgotten and writes its memberships again.
        await carolsNode.Liveness.BeatAsync();
        Assert.Equal(RoomWireFormat.PresenceEnvelope(room, "carol", joined: true), await watch.NextAsync());
        Assert.True(await Db.HashExistsAsync(RedisKeys.Members(room), "carol"));
        Assert.True(await Db.SetContainsAsync(RedisKeys.NodeRooms(carolsNode.Identity.Id), room));

        await carolsNode.Presence.LeaveAsync(room, "carol");
        Assert.Equal(RoomWireFormat.PresenceEnvelope(room, "carol", joined: false), await watch.NextAsync());
        await carolsNode.Presence.CloseRoomAsync(room);
        Assert.False(await Db.SetContainsAsync(RedisKeys.NodeRooms(carolsNode.Identity.Id), room));
    }

    [Fact]
    public async Task Survivors_racing_to_sweep_a_dead_node_say_each_user_left_once_and_users_on_live_nodes_stay()
    {
        string[] rooms = [NewRoom(), NewRoom()];
        var dead = new Node(redis, $"dead-{Guid.NewGuid():N}");
        var alive = new Node(redis, $"alive-{Guid.NewGuid():N}");
        var survivors = Enumerable.Range(0, 3).Select(i => new Node(redis, $"survivor{i}-{Guid.NewGuid():N}")).ToArray();
        var watches = await Task.WhenAll(rooms.Select(r => ChannelWatch.StartAsync(redis.Connection, r)));
        await dead.Liveness.BeatAsync();
        await alive.Liveness.BeatAsync();
        foreach (var room in rooms)
        {
            await dead.Presence.OpenRoomAsync(room);
            await alive.Presence.OpenRoomAsync(room);
            await Task.WhenAll(new[] { "ann", "bob", "both" }.Select(u => dead.Presence.JoinAsync(room, u)));
            await alive.Presence.JoinAsync(room, "both");
        }

        foreach (var (watch, room) in watches.Zip(rooms))
        {
            Assert.Equal(3, (await UntilMarkerAsync(watch, room)).Count);
        }

        await Task.WhenAll(survivors.Select(s => s.BecomeSeasonedAsync()));
        await MarkDeadAsync(dead.Identity);
        await Task.WhenAll(survivors.Select(s => s.Liveness.BeatAsync()));

        foreach (var (watch, room) in watches.Zip(rooms))
        {
            var left = await UntilMarkerAsync(watch, room);
            Assert.Equal(
                [RoomWireFormat.PresenceEnvelope(room, "ann", joined: false), RoomWireFormat.PresenceEnvelope(room, "bob", joined: false)],
                left.OrderBy(e => System.Text.Encoding.UTF8.GetString(e), StringComparer.Ordinal));
            Assert.Equal(["both"], (await Db.HashKeysAsync(RedisKeys.Members(room))).Select(k => k.ToString()));
            Assert.False(await Db.KeyExistsAsync(RedisKeys.NodeMembers(room, dead.Identity.Id)));
        }

        foreach (var watch in watches)
        {
            await watch.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_idle_node_costs_redis_its_heartbeat_whatever_its_number_of_members()
    {
        await using var server = await RedisServer.StartAsync();
        await using var node = await ChatServer.StartAsync(server);
        await using var stats = await RedisFixture.ConnectAsync(server);
        var tokens = node.Get<ChatApi.Accounts.TokenService>();
        const int users = 60;
        const int roomsPerUser = 3;
        var clients = await Task.WhenAll(Enumerable.Range(0, users).Select(async i =>
        {
            var client = await ChatTestClient.ConnectAsync(node.WebSocketUri(), $"idle{i}", tokens.Issue($"idle{i}").Token);
            for (var r = 0; r < roomsPerUser; r++)
            {
                await client.JoinAsync($"idle-room-{(i + r) % 20}");
            }

            return client;
        }));

        // Two heartbeats of the node (its only ZADD at idle), counted from commandstats, and every other command
        // meanwhile (but this test's own polling: INFO, and the SELECT its client sends with each): 180 memberships in 20 rooms
        // cost what none would.
        var server0 = stats.GetDatabase();
        var before = await CommandStats.ReadAsync(server0);
        var after = before;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (after.Calls("zadd") < before.Calls("zadd") + 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the node did not beat twice in 20 s");
            await Task.Delay(100);
            after = await CommandStats.ReadAsync(server0);
        }

        var spent = after.Minus(before).Where(c => c.Key is not ("info" or "select" or "ping" or "echo")).ToDictionary();
        Assert.True(spent.Values.Sum() <= 2 * CommandStats.PerHeartbeat, $"idle commands over two heartbeats: {string.Join(", ", spent.Select(c => $"{c.Key} {c.Value}"))}");
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
    }
}

/// <summary>Redis's <c>INFO commandstats</c>: calls per command since the server started.</summary>
internal sealed class CommandStats(Dictionary<string, long> calls)
{
    /// <summary>The heartbeat script: EVALSHA, TIME, ZADD, ZRANGEBYSCORE.</summary>
    public const int PerHeartbeat = 4;

    public static async Task<CommandStats> ReadAsync(IDatabase database)
    {
        var info = (await database.ExecuteAsync("INFO", "commandstats")).ToString();
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // cmdstat_zadd:calls=12,usec=40,...
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var value = line[(colon + 1)..].Split(',')[0].Split('=')[1];
                calls[line["cmdstat_".Length..colon]] = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return new CommandStats(calls);
    }

    public long Calls(string command) => calls.GetValueOrDefault(command);

    public IEnumerable<KeyValuePair<string, long>> Minus(CommandStats earlier) =>
        calls.Select(c => KeyValuePair.Create(c.Key, c.Value - earlier.Calls(c.Key))).Where(c => c.Value > 0);
}
