using System.Net.WebSockets;
using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Hubs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chattorum.Tests.Hubs;

public sealed class RoomHubTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RoomHubs _hubs;
    private readonly System.Diagnostics.Metrics.IMeterFactory _meters;

    public RoomHubTests()
    {
        _meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _hubs = new RoomHubs(new ChatMetrics(_meters), TimeProvider.System, NullLogger<RoomHub>.Instance);
    }

    public void Dispose() => _services.Dispose();

    private RoomHub Join(string room, RecordingMember member, string? cid = null) =>
        _hubs.Post(room, new HubCommand(HubCommandKind.Register, member, cid));

    private void Say(string room, RecordingMember member, string text, string? cid = null) =>
        _hubs.Post(room, new HubCommand(HubCommandKind.Broadcast, member, cid, text));

    private static string[] Members(JsonElement joined) =>
        [.. joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Joining_lists_the_members_and_tells_the_others()
    {
        var alice = new RecordingMember("alice");
        var bob = new RecordingMember("bob");

        Join("lobby", alice, "a1");
        var aliceJoined = await alice.NextAsync();
        Assert.Equal("joined", aliceJoined.GetProperty("type").GetString());
        Assert.Equal("lobby", aliceJoined.GetProperty("room").GetString());
        Assert.Equal("a1", aliceJoined.GetProperty("cid").GetString());
        Assert.Equal(["alice"], Members(aliceJoined));

        Join("lobby", bob);
        Assert.Equal(["alice", "bob"], Members(await bob.NextOfTypeAsync("joined")));
        var presence = await alice.NextAsync();
        Assert.Equal("presence", presence.GetProperty("type").GetString());
        Assert.Equal("bob", presence.GetProperty("user").GetString());
        Assert.Equal("joined", presence.GetProperty("event").GetString());
    }

    [Fact]
    public async Task A_user_with_two_connections_is_one_member()
    {
        var watcher = new RecordingMember("watcher");
        var first = new RecordingMember("carol");
        var second = new RecordingMember("carol");
        Join("r", watcher);
        await watcher.NextOfTypeAsync("joined");

        Join("r", first);
        Join("r", second);
        Assert.Equal(["carol", "watcher"], Members(await second.NextOfTypeAsync("joined")));
        _hubs.Post("r", new HubCommand(HubCommandKind.Leave, first));
        await first.NextOfTypeAsync("left");
        Say("r", second, "still here");
        await watcher.NextOfTypeAsync("message");

        _hubs.Post("r", new HubCommand(HubCommandKind.Unregister, second));
        var presence = await watcher.NextAsync();
        Assert.Equal("presence", presence.GetProperty("type").GetString());
        Assert.Equal("left", presence.GetProperty("event").GetString());

        // Only one presence event per user came before: the frames seen were presence(joined), message, presence(left).
        var joinedEvents = watcher.Drain().Count(f => f.GetProperty("type").GetString() == "presence");
        Assert.Equal(0, joinedEvents);
    }

    [Fact]
    public async Task Leaving_is_confirmed_and_ends_delivery()
    {
        var stay = new RecordingMember("stay");
        var go = new RecordingMember("go");
        Join("r", stay);
        Join("r", go);
        await go.NextOfTypeAsync("joined");

        _hubs.Post("r", new HubCommand(HubCommandKind.Leave, go, "bye-1"));
        var left = await go.NextOfTypeAsync("left");
        Assert.Equal("bye-1", left.GetProperty("cid").GetString());

        Say("r", stay, "after");
        await stay.NextOfTypeAsync("message");
        Assert.DoesNotContain(go.Drain(), f => f.GetProperty("type").GetString() == "message");
    }

    [Fact]
    public async Task Every_member_sees_every_message_in_one_order()
    {
        const int members = 5;
        const int perSender = 200;
        var all = Enumerable.Range(0, members).Select(i => new RecordingMember($"user{i}")).ToArray();
        foreach (var member in all)
        {
            Join("busy", member);
            await member.NextOfTypeAsync("joined");
        }

        await Task.WhenAll(all.Select(sender => Task.Run(() =>
        {
            for (var i = 0; i < perSender; i++)
            {
                Say("busy", sender, $"{sender.User}:{i}", $"c{i}");
            }
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

        var order = seen[0].Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.All(seen, messages => Assert.Equal(order, messages.Select(m => m.GetProperty("id").GetString())));
        Assert.Equal(order.Count, order.Distinct().Count());

        var ids = order.Select(id => id!.Split('-').Select(long.Parse).ToArray()).ToList();
        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(ids[i][0] > ids[i - 1][0] || (ids[i][0] == ids[i - 1][0] && ids[i][1] > ids[i - 1][1]), $"{order[i - 1]} then {order[i]}");
        }

        for (var m = 0; m < members; m++)
        {
            var own = seen[m].Where(f => f.GetProperty("user").GetString() == all[m].User).ToList();
            Assert.Equal(Enumerable.Range(0, perSender).Select(i => $"{all[m].User}:{i}"), own.Select(f => f.GetProperty("text").GetString()));
            Assert.All(own, f => Assert.True(f.TryGetProperty("cid", out _)));
            Assert.All(seen[m].Except(own), f => Assert.False(f.TryGetProperty("cid", out _)));
        }
    }

    [Fact]
    public async Task A_broadcast_is_serialized_once_for_all_receivers()
    {
        var sender = new RecordingMember("sender");
        var one = new RecordingMember("one");
        var two = new RecordingMember("two");
        foreach (var member in new[] { sender, one, two })
        {
            Join("r", member);
            await member.NextOfTypeAsync("joined");
        }

        await one.NextOfTypeAsync("presence");
        Say("r", sender, "hello", "s1");
        var first = await one.NextBytesAsync();
        var second = await two.NextBytesAsync();
        while (JsonDocument.Parse(second).RootElement.GetProperty("type").GetString() != "message")
        {
            second = await two.NextBytesAsync();
        }

        Assert.Same(first, second);
        var own = await sender.NextOfTypeAsync("message");
        Assert.Equal("s1", own.GetProperty("cid").GetString());
    }

    [Fact]
    public async Task A_slow_member_is_disconnected_and_the_others_get_everything()
    {
        using var slowCount = new MetricCollector<long>(_meters, ChatMetrics.MeterName, "chat.clients.slow_disconnects");
        var fast = new RecordingMember("fast");
        var slow = new RecordingMember("slow", capacity: 10);
        var sender = new RecordingMember("sender");
        Join("r", fast);
        Join("r", slow);
        Join("r", sender);
        await sender.NextOfTypeAsync("joined");

        for (var i = 0; i < 50; i++)
        {
            Say("r", sender, $"m{i}");
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
    public async Task An_empty_room_retires_its_hub_and_a_new_join_starts_a_fresh_one()
    {
        using var rooms = new MetricCollector<long>(_meters, ChatMetrics.MeterName, "chat.rooms.active");
        var member = new RecordingMember("solo");
        var hub = Join("quiet", member);
        await member.NextOfTypeAsync("joined");
        Assert.True(_hubs.TryGet("quiet", out _));

        _hubs.Post("quiet", new HubCommand(HubCommandKind.Unregister, member));
        await hub.Completion.WaitAsync(Timeout);
        Assert.False(_hubs.TryGet("quiet", out _));
        Assert.Equal(0, _hubs.Count);
        Assert.Equal(0, rooms.GetMeasurementSnapshot().EvaluateAsCounter());

        var again = Join("quiet", member);
        Assert.NotSame(hub, again);
        await member.NextOfTypeAsync("joined");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Joins_racing_the_retirement_of_a_hub_are_never_lost(int workers)
    {
        const int rounds = 500;
        var hubs = new System.Collections.Concurrent.ConcurrentDictionary<RoomHub, byte>();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < rounds; i++)
            {
                var member = new RecordingMember($"w{w}");
                hubs.TryAdd(Join("churn", member), 0);
                var joined = await member.NextAsync();
                Assert.Equal("joined", joined.GetProperty("type").GetString());
                hubs.TryAdd(_hubs.Post("churn", new HubCommand(HubCommandKind.Unregister, member)), 0);

                // Jitter, not synchronisation: lets the hub sometimes see the room empty before the next join lands.
                Thread.SpinWait(Random.Shared.Next(0, 20_000));
            }
        })));

        await Task.WhenAll(hubs.Keys.Select(h => h.Completion)).WaitAsync(Timeout);
        Assert.Equal(0, _hubs.Count);
        if (workers == 1)
        {
            // Alone, the member empties the room every round: retirement raced the next join again and again.
            Assert.True(hubs.Count > 1, "the room should have retired and restarted");
        }
    }

    [Fact]
    public async Task A_connection_that_closed_while_its_join_was_queued_does_not_become_a_member()
    {
        var ghost = new RecordingMember("ghost");
        ghost.Close(WebSocketCloseStatus.NormalClosure, "gone", drain: false);
        var hub = Join("r", ghost);
        await hub.Completion.WaitAsync(Timeout);
        Assert.Empty(ghost.Drain());
        Assert.Equal(0, _hubs.Count);
    }

    [Fact]
    public async Task Messages_from_a_non_member_go_nowhere()
    {
        var member = new RecordingMember("member");
        var stranger = new RecordingMember("stranger");
        Join("r", member);
        await member.NextOfTypeAsync("joined");

        Say("r", stranger, "sneaky");
        Say("r", member, "legit");
        var message = await member.NextOfTypeAsync("message");
        Assert.Equal("legit", message.GetProperty("text").GetString());
    }
}
