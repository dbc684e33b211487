using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Hubs;

/// <summary>The hub against a real Redis: every test uses rooms of its own.</summary>
public sealed class RoomHubTests : IClassFixture<RedisFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RedisFixture _redis;
    private readonly RoomHubs _hubs;
    private readonly QuietRoomChecks _quietRooms = new(TimeProvider.System);
    private readonly RedisRoomBackplane _backplane;
    private readonly System.Diagnostics.Metrics.IMeterFactory _meters;

    public RoomHubTests(RedisFixture redis)
    {
        _redis = redis;
        _meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var metrics = TestMeters.Chat(_meters);
        _backplane = TestBackplanes.Redis(redis.Connection, metrics);
        _hubs = new RoomHubs(_backplane, new RedisPresence(redis.Connection, new ChatNode()), _quietRooms, metrics, new ChatOptions(), NullLogger<RoomHub>.Instance);
    }

    public void Dispose()
    {
        _hubs.Dispose();
        _quietRooms.Dispose();
        _backplane.Dispose();
        _services.Dispose();
    }

    private static string NewRoom() => $"hub-{Guid.NewGuid():N}"[..20];

    private (RoomHub Hub, Task<JoinOutcome> Outcome) Join(string room, RecordingMember member, string? cid = null, string? since = null)
    {
        var request = new JoinRequest(cid, since, new TaskCompletionSource<JoinOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        return (_hubs.Post(room, HubCommand.Register(member, request)), request.Outcome.Task);
    }

    private async Task<JsonElement> JoinedAsync(string room, RecordingMember member, string? cid = null, string? since = null)
    {
        var (_, outcome) = Join(room, member, cid, since);
        Assert.Equal(JoinOutcome.Joined, await outcome.WaitAsync(Timeout));
        return await member.NextOfTypeAsync("joined");
    }

    private Task<string> Say(string room, RecordingMember member, string text) => _backplane.PublishAsync(room, member.User, text);

    private static string[] Members(JsonElement joined) =>
        [.. joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Joining_lists_the_members_and_tells_the_others()
    {
        var room = NewRoom();
        var alice = new RecordingMember("alice");
        var bob = new RecordingMember("bob");

        var aliceJoined = await JoinedAsync(room, alice, "a1");
        Assert.Equal(room, aliceJoined.GetProperty("room").GetString());
        Assert.Equal("a1", aliceJoined.GetProperty("cid").GetString());
        Assert.Equal(0, aliceJoined.GetProperty("history").GetInt32());
        Assert.Equal(["alice"], Members(aliceJoined));

        Assert.Equal(["alice", "bob"], Members(await JoinedAsync(room, bob)));
        var presence = await alice.NextAsync();
        Assert.Equal(("presence", "bob", "joined"), (presence.GetProperty("type").GetString(), presence.GetProperty("user").GetString(), presence.GetProperty("event").GetString()));
        Assert.DoesNotContain(bob.Drain(), f => f.GetProperty("type").GetString() == "presence");
    }

    [Fact]
    public async Task A_user_with_two_connections_is_one_member()
    {
        var room = NewRoom();
        var watcher = new RecordingMember("watcher");
        var first = new RecordingMember("carol");
        var second = new RecordingMember("carol");
        await JoinedAsync(room, watcher);
        await JoinedAsync(room, first);
        Assert.Equal(["carol", "watcher"], Members(await JoinedAsync(room, second)));
        _hubs.Post(room, HubCommand.Leave(first, null));
        await first.NextOfTypeAsync("left");
        await Say(room, second, "still here");
        Assert.Equal("message", (await watcher.NextOfTypeAsync("message")).GetProperty("type").GetString());

        _hubs.Post(room, HubCommand.Unregister(second));
        var gone = await watcher.NextOfTypeAsync("presence");
        Assert.Equal("left", gone.GetProperty("event").GetString());

        // Exactly one presence event for carol's arrival came before the message: none for the second connection or the first leave.
        Assert.Empty(watcher.Drain());
    }

    [Fact]
    public async Task Leaving_is_confirmed_and_ends_delivery()
    {
        var room = NewRoom();
        var stay = new RecordingMember("stay");
        var go = new RecordingMember("go");
        await JoinedAsync(room, stay);
        await JoinedAsync(room, go);

        _hubs.Post(room, HubCommand.Leave(go, "bye-1"));
        var left = await go.NextOfTypeAsync("left");
        Assert.Equal("bye-1", left.GetProperty("cid").GetString());

        await Say(room, stay, "after");
        await stay.NextOfTypeAsync("message");
        Assert.DoesNotContain(go.Drain(), f => f.GetProperty("type").GetString() == "message");
    }

    [Fact]
    public async Task Every_member_sees_every_message_in_stream_order()
    {
        const int members = 5;
        const int perSender = 100;
        var room = NewRoom();
        var all = Enumerable.Range(0, members).Select(i => new RecordingMember($"user{i}")).ToArray();
        foreach (var member in all)
        {
            await JoinedAsync(room, member);
        }

        var acked = await Task.WhenAll(all.Select(sender => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < perSender; i++)
            {
                ids.Add(await Say(room, sender, $"{sender.User}:{i}"));
            }

            return ids;
        })));

        var seen = new List<List<JsonElement>>();
        foreach (var member in all)
        {
            var messages = new List<JsonElement>();
            while (messages.Count < members * perSender)
            {
                var frame = await member.NextAsync();
                if (frame.GetProperty("type").GetString() == "message")
                {
                    messages.Add(frame);
                }
            }

            seen.Add(messages);
        }

        var order = seen[0].Select(m => m.GetProperty("id").GetString()!).ToList();
        Assert.All(seen, messages => Assert.Equal(order, messages.Select(m => m.GetProperty("id").GetString())));
        Assert.Equal(order.Select(StreamId.Parse).Order(), order.Select(StreamId.Parse));
        Assert.Equal(acked.SelectMany(ids => ids).Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));

        var stored = await _redis.Connection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        Assert.Equal(order, stored.Select(e => e.Id.ToString()));
        for (var m = 0; m < members; m++)
        {
            var own = seen[m].Where(f => f.GetProperty("user").GetString() == all[m].User).Select(f => f.GetProperty("text").GetString());
            Assert.Equal(Enumerable.Range(0, perSender).Select(i => $"{all[m].User}:{i}"), own);
        }
    }

    [Fact]
    public async Task An_event_is_handed_to_every_receiver_as_the_same_bytes()
    {
        var room = NewRoom();
        var one = new RecordingMember("one");
        var two = new RecordingMember("two");
        await JoinedAsync(room, one);
        await JoinedAsync(room, two);
        await one.NextOfTypeAsync("presence");

        await Say(room, one, "hello");
        // A presence event may still be on its way to either (the first join's, say): compare the message.
        var first = await one.NextBytesOfTypeAsync("message");
        var second = await two.NextBytesOfTypeAsync("message");
        Assert.True(MemoryMarshal.TryGetArray(first, out var a));
        Assert.True(MemoryMarshal.TryGetArray(second, out var b));
        Assert.Same(a.Array, b.Array);
        Assert.Equal(a.Offset, b.Offset);
    }

    [Fact]
    public async Task A_slow_member_is_disconnected_and_the_others_get_everything()
    {
        using var slowCount = new MetricCollector<long>(_meters, ChatMetrics.MeterName, "chat.clients.slow_disconnects");
        var room = NewRoom();
        var fast = new RecordingMember("fast");
        var slow = new RecordingMember("slow", capacity: 10);
        var sender = new RecordingMember("sender");
        await JoinedAsync(room, fast);
        await JoinedAsync(room, slow);
        await JoinedAsync(room, sender);

        for (var i = 0; i < 50; i++)
        {
            await Say(room, sender, $"m{i}");
        }

        var texts = new List<string>();
        var slowLeft = false;
        while (texts.Count < 50 || !slowLeft)
        {
            var frame = await fast.NextAsync();
            switch (frame.GetProperty("type").GetString())
            {
                case "message":
                    texts.Add(frame.GetProperty("text").GetString()!);
                    break;
                case "presence" when frame.GetProperty("user").GetString() == "slow":
                    slowLeft |= frame.GetProperty("event").GetString() == "left";
                    break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), texts);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, slow.ClosedWith);
        Assert.Contains("slow consumer", slow.ClosedBecause, StringComparison.Ordinal);
        Assert.Equal(1, slowCount.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task An_empty_room_retires_its_hub_and_its_subscription()
    {
        using var rooms = new MetricCollector<long>(_meters, ChatMetrics.MeterName, "chat.rooms.active");
        var room = NewRoom();
        var member = new RecordingMember("solo");
        var (hub, _) = Join(room, member);
        await member.NextOfTypeAsync("joined");
        Assert.True(_hubs.TryGet(room, out _));
        Assert.Equal(1, await Subscribers(room));

        _hubs.Post(room, HubCommand.Unregister(member));
        await hub.Completion.WaitAsync(Timeout);
        Assert.False(_hubs.TryGet(room, out _));
        Assert.Equal(0, rooms.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(0, await Subscribers(room));

        var (again, _) = Join(room, member);
        Assert.NotSame(hub, again);
        await member.NextOfTypeAsync("joined");
    }

    private async Task<long> Subscribers(string room)
    {
        var server = _redis.Connection.GetServer(_redis.Connection.GetEndPoints()[0]);
        var reply = await server.ExecuteAsync("PUBSUB", "SHARDNUMSUB", RedisKeys.Events(room).ToString());
        return (long)((RedisResult[])reply!)[1];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Joins_racing_the_retirement_of_a_hub_are_never_lost(int workers)
    {
        const int rounds = 100;
        var room = NewRoom();
        var hubs = new System.Collections.Concurrent.ConcurrentDictionary<RoomHub, byte>();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < rounds; i++)
            {
                var member = new RecordingMember($"w{w}");
                var (hub, outcome) = Join(room, member);
                hubs.TryAdd(hub, 0);
                Assert.Equal(JoinOutcome.Joined, await outcome.WaitAsync(Timeout));
                hubs.TryAdd(_hubs.Post(room, HubCommand.Unregister(member)), 0);
                if (workers == 1 && i % 10 == 0)
                {
                    // Now and then let the hub retire for sure, so that the next join has to start a new one.
                    await hub.Completion.WaitAsync(Timeout);
                }
                else
                {
                    // Jitter, not synchronisation: lets the hub sometimes see the room empty just as the next join lands.
                    Thread.SpinWait(Random.Shared.Next(0, 20_000));
                }
            }
        })));

        await Task.WhenAll(hubs.Keys.Select(h => h.Completion)).WaitAsync(Timeout);
        Assert.False(_hubs.TryGet(room, out _));
        if (workers == 1)
        {
            Assert.True(hubs.Count > 1, "the room should have retired and restarted");
        }
    }

    [Fact]
    public async Task A_connection_that_closed_while_its_join_was_queued_does_not_become_a_member()
    {
        var ghost = new RecordingMember("ghost");
        ghost.Close(WebSocketCloseStatus.NormalClosure, "gone", drain: false);
        var (hub, outcome) = Join(NewRoom(), ghost);
        Assert.Equal(JoinOutcome.Gone, await outcome.WaitAsync(Timeout));
        await hub.Completion.WaitAsync(Timeout);
        Assert.Empty(ghost.Drain());
    }

    [Fact]
    public async Task A_join_gets_the_last_messages_oldest_first_then_live_ones_without_gap_or_duplicate()
    {
        var room = NewRoom();
        var writer = new RecordingMember("writer");
        await JoinedAsync(room, writer);
        for (var i = 0; i < ChatLimits.JoinHistoryCount + 10; i++)
        {
            await Say(room, writer, $"old {i}");
        }

        // Keep sending while the reader joins, so that live messages race the history read.
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sending = Task.Run(async () =>
        {
            // Bounded, so that the capped stream never trims what this test reads back.
            var n = 0;
            while (!stop.IsCancellationRequested && n < 300)
            {
                await Say(room, writer, $"new {n++}");
                started.TrySetResult();
            }

            return n;
        });

        await started.Task.WaitAsync(Timeout);
        var reader = new RecordingMember("reader");
        var joined = await JoinedAsync(room, reader);
        Assert.Equal(ChatLimits.JoinHistoryCount, joined.GetProperty("history").GetInt32());
        await reader.NextOfTypeAsync("message");
        await stop.CancelAsync();
        var sent = await sending;
        await Say(room, writer, "last");

        var frames = new List<JsonElement>();
        while (frames.Count == 0 || frames[^1].GetProperty("text").GetString() != "last")
        {
            var frame = await reader.NextAsync();
            if (frame.GetProperty("type").GetString() == "message")
            {
                frames.Add(frame);
            }
        }

        // From the first message of its history on, the reader has every stored id, in order, exactly once.
        var stored = (await _redis.Connection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room))).Select(e => e.Id.ToString()).ToList();
        var received = frames.Select(f => f.GetProperty("id").GetString()!).ToList();
        var start = stored.IndexOf(received[0]);
        Assert.True(start >= ChatLimits.JoinHistoryCount + 10 - ChatLimits.JoinHistoryCount, $"history began at {start}");
        Assert.Equal(stored.Skip(start), received);
        Assert.True(sent > 0);
    }

    [Fact]
    public async Task A_join_since_an_id_replays_what_came_after_it()
    {
        var room = NewRoom();
        var writer = new RecordingMember("writer");
        await JoinedAsync(room, writer);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Say(room, writer, $"m{i}"));
        }

        var reader = new RecordingMember("reader");
        var joined = await JoinedAsync(room, reader, since: ids[1]);
        Assert.Equal(3, joined.GetProperty("history").GetInt32());
        Assert.False(joined.GetProperty("truncated").GetBoolean());
        var replayed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add((await reader.NextOfTypeAsync("message")).GetProperty("id").GetString()!);
        }

        Assert.Equal(ids[2..], replayed);
    }

    [Fact]
    public async Task A_join_since_an_id_the_stream_no_longer_holds_says_it_is_truncated()
    {
        var room = NewRoom();
        var writer = new RecordingMember("writer");
        await JoinedAsync(room, writer);
        var first = await Say(room, writer, "first");
        await Say(room, writer, "second");
        await Say(room, writer, "third");
        await _redis.Connection.GetDatabase().StreamTrimAsync(RedisKeys.Stream(room), 1);

        var reader = new RecordingMember("reader");
        var joined = await JoinedAsync(room, reader, since: first);
        Assert.True(joined.GetProperty("truncated").GetBoolean());
        Assert.Equal(1, joined.GetProperty("history").GetInt32());
        Assert.Equal("third", (await reader.NextOfTypeAsync("message")).GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_message_the_channel_skipped_is_read_from_the_stream_and_delivered_in_its_place()
    {
        var room = NewRoom();
        var member = new RecordingMember("gap_reader");
        await JoinedAsync(room, member);
        var first = await Say(room, member, "first");
        Assert.Equal("first", (await member.NextOfTypeAsync("message")).GetProperty("text").GetString());

        // Stored but never published: as if the channel dropped it (a reconnection, say).
        var skipped = await _redis.Connection.GetDatabase().StreamAddAsync(
            RedisKeys.Stream(room), [new("u", "ghostwriter"), new("t", "skipped by the channel"), new("p", first)]);
        await Say(room, member, "third");

        var texts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            texts.Add((await member.NextOfTypeAsync("message")).GetProperty("text").GetString()!);
        }

        Assert.Equal(["skipped by the channel", "third"], texts);
        Assert.NotNull(skipped.ToString());
    }

    [Fact]
    public async Task A_skipped_message_right_after_the_history_is_caught_too()
    {
        var room = NewRoom();
        var writer = new RecordingMember("gap_writer");
        await JoinedAsync(room, writer);
        var first = await Say(room, writer, "in the history");
        _hubs.Post(room, HubCommand.Unregister(writer));

        var member = new RecordingMember("gap_late");
        await JoinedAsync(room, member);
        Assert.Equal("in the history", (await member.NextOfTypeAsync("message")).GetProperty("text").GetString());
        await _redis.Connection.GetDatabase().StreamAddAsync(
            RedisKeys.Stream(room), [new("u", "ghostwriter"), new("t", "skipped by the channel"), new("p", first)]);
        await _backplane.PublishAsync(room, "gap_writer", "after the gap");

        Assert.Equal("skipped by the channel", (await member.NextOfTypeAsync("message")).GetProperty("text").GetString());
        Assert.Equal("after the gap", (await member.NextOfTypeAsync("message")).GetProperty("text").GetString());
    }
}
