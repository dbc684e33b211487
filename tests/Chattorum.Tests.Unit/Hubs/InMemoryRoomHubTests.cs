using System.Net.WebSockets;
using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Hubs;

/// <summary>
/// The hub without Redis: two nodes over one in-memory store. Membership and presence across nodes, one order,
/// and catch-up that reads the stream only when something says a message was missed.
/// </summary>
public sealed class InMemoryRoomHubTests : IDisposable
{
    private readonly InMemoryRooms _rooms = new();
    private readonly InMemoryNode _a;
    private readonly InMemoryNode _b;

    public InMemoryRoomHubTests()
    {
        _a = new InMemoryNode(_rooms, "a");
        _b = new InMemoryNode(_rooms, "b");
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static string[] Members(JsonElement joined) =>
        [.. joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal)];

    private static (string? Type, string? User, string? Event) Presence(JsonElement frame) =>
        (frame.GetProperty("type").GetString(), frame.GetProperty("user").GetString(), frame.GetProperty("event").GetString());

    [Fact]
    public async Task Presence_is_per_user_across_nodes_joined_on_the_first_connection_left_on_the_last()
    {
        var watcher = new RecordingMember("watcher");
        await _a.JoinedAsync("lobby", watcher);

        var carolOnA = new RecordingMember("carol");
        var carolOnB = new RecordingMember("carol");
        Assert.Equal(["carol", "watcher"], Members(await _a.JoinedAsync("lobby", carolOnA)));
        Assert.Equal(("presence", "carol", "joined"), Presence(await watcher.NextOfTypeAsync("presence")));
        Assert.Equal(["carol", "watcher"], Members(await _b.JoinedAsync("lobby", carolOnB)));

        _a.Hubs.Post("lobby", HubCommand.Leave(carolOnA, "bye"));
        await carolOnA.NextOfTypeAsync("left");
        await _rooms.AppendAsync("lobby", "watcher", "still one carol");
        Assert.Equal("message", (await watcher.NextAsync()).GetProperty("type").GetString());

        _b.Hubs.Post("lobby", HubCommand.Unregister(carolOnB));
        Assert.Equal(("presence", "carol", "left"), Presence(await watcher.NextOfTypeAsync("presence")));
        Assert.Empty(watcher.Drain());
    }

    [Fact]
    public async Task Members_on_both_nodes_see_every_message_once_in_the_store_s_order()
    {
        var readers = Enumerable.Range(0, 6).Select(i => new RecordingMember($"r{i}")).ToArray();
        for (var i = 0; i < readers.Length; i++)
        {
            await (i % 2 == 0 ? _a : _b).JoinedAsync("order", readers[i]);
        }

        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
        {
            var sent = new List<string>();
            for (var m = 0; m < 50; m++)
            {
                sent.Add(await (s % 2 == 0 ? _a : _b).Backplane.PublishAsync("order", $"s{s}", $"{s}:{m}"));
            }

            return sent;
        })));
        var expected = ids.SelectMany(i => i).Order(Comparer<string>.Create((x, y) => StreamId.Parse(x).CompareTo(StreamId.Parse(y)))).ToList();

        foreach (var reader in readers)
        {
            var seen = new List<string>();
            while (seen.Count < expected.Count)
            {
                seen.Add((await reader.NextOfTypeAsync("message")).GetProperty("id").GetString()!);
            }

            Assert.Equal(expected, seen);
        }

        Assert.Equal(0, _a.Backplane.CatchUpReads + _b.Backplane.CatchUpReads);
    }

    [Fact]
    public async Task A_message_the_channel_dropped_is_read_when_the_next_one_names_it_and_delivered_in_its_place()
    {
        var reader = new RecordingMember("reader");
        await _a.JoinedAsync("gap", reader);
        await _rooms.AppendAsync("gap", "w", "first");
        _rooms.Append("gap", "w", "dropped by the channel", publish: false);
        await _rooms.AppendAsync("gap", "w", "third");

        string[] texts = [.. await Texts(reader, 3)];
        Assert.Equal(["first", "dropped by the channel", "third"], texts);
        Assert.Equal(1, _a.Backplane.CatchUpReads);
    }

    [Fact]
    public async Task A_dropped_last_message_is_read_once_the_room_goes_quiet_and_an_idle_room_is_never_read()
    {
        var reader = new RecordingMember("reader");
        var idle = new RecordingMember("idler");
        await _a.JoinedAsync("tail", reader);
        await _a.JoinedAsync("idle", idle);
        await _rooms.AppendAsync("tail", "w", "heard");
        Assert.Equal("heard", (await reader.NextOfTypeAsync("message")).GetProperty("text").GetString());
        _rooms.Append("tail", "w", "the last one, dropped", publish: false);

        // Not quiet long enough yet: the check looks in memory, reads nothing, and looks again later.
        Assert.Equal(1, _a.QuietRooms.Watched);
        _a.QuietRooms.CheckNow();
        await Eventually.EqualAsync(1, () => Task.FromResult(_a.QuietRooms.Watched));
        Assert.Equal(0, _a.Backplane.TailReads);

        _a.Time.Advance(ChatLimits.QuietRoomAfter);
        _a.QuietRooms.CheckNow();
        Assert.Equal("the last one, dropped", (await reader.NextOfTypeAsync("message")).GetProperty("text").GetString());
        Assert.Equal(1, _a.Backplane.TailReads);
        Assert.Equal(1, _a.Backplane.CatchUpReads);

        // Checked, the room and the idle one cost nothing more however long they stay quiet.
        for (var i = 0; i < 5; i++)
        {
            _a.Time.Advance(ChatLimits.QuietRoomAfter);
            _a.QuietRooms.CheckNow();
        }

        Assert.Equal(0, _a.QuietRooms.Watched);
        Assert.Equal((1, 1), (_a.Backplane.TailReads, _a.Backplane.CatchUpReads));
        Assert.Empty(idle.Drain());
    }

    [Fact]
    public async Task After_a_reconnection_every_hub_reads_what_it_missed_once()
    {
        var readers = new[] { new RecordingMember("x"), new RecordingMember("y") };
        await _a.JoinedAsync("r1", readers[0]);
        await _a.JoinedAsync("r2", readers[1]);
        _rooms.Append("r1", "w", "missed in r1", publish: false);
        _rooms.Append("r2", "w", "missed in r2", publish: false);

        _a.Backplane.RaiseReconnected();

        Assert.Equal("missed in r1", (await readers[0].NextOfTypeAsync("message")).GetProperty("text").GetString());
        Assert.Equal("missed in r2", (await readers[1].NextOfTypeAsync("message")).GetProperty("text").GetString());
        Assert.Equal(2, _a.Backplane.CatchUpReads);
    }

    [Fact]
    public async Task A_member_that_cannot_take_a_frame_is_dropped_and_the_others_get_everything()
    {
        var fast = new RecordingMember("fast");
        var full = new RecordingMember("full", capacity: 5);
        await _a.JoinedAsync("slow", fast);
        await _a.JoinedAsync("slow", full);
        for (var i = 0; i < 20; i++)
        {
            await _rooms.AppendAsync("slow", "w", $"m{i}");
        }

        var texts = new List<string>();
        var fullLeft = false;
        while (texts.Count < 20 || !fullLeft)
        {
            var frame = await fast.NextAsync();
            if (frame.GetProperty("type").GetString() == "message")
            {
                texts.Add(frame.GetProperty("text").GetString()!);
            }
            else
            {
                fullLeft |= Presence(frame) == ("presence", "full", "left");
            }
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), texts);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, full.ClosedWith);
    }

    [Fact]
    public async Task An_empty_room_retires_its_hub_and_lets_go_of_its_channel()
    {
        var solo = new RecordingMember("solo");
        var (hub, outcome) = _a.Join("retire", solo);
        Assert.Equal(JoinOutcome.Joined, await outcome.WaitAsync(InMemoryNode.Timeout));
        Assert.Equal(1, _rooms.Subscribers("retire"));

        _a.Hubs.Post("retire", HubCommand.Unregister(solo));
        await hub.Completion.WaitAsync(InMemoryNode.Timeout);
        Assert.False(_a.Hubs.TryGet("retire", out _));
        Assert.Equal(0, _rooms.Subscribers("retire"));
        Assert.Empty(_rooms.Load("retire", null, 1).Members);
    }

    [Fact]
    public async Task A_join_since_an_id_gets_what_came_after_it_then_live_without_gap_or_duplicate()
    {
        var first = _rooms.Append("resume", "w", "before");
        _rooms.Append("resume", "w", "after 1");
        _rooms.Append("resume", "w", "after 2");
        var reader = new RecordingMember("resumer");
        var joined = await _b.JoinedAsync("resume", reader, since: first);
        Assert.Equal(2, joined.GetProperty("history").GetInt32());
        Assert.False(joined.GetProperty("truncated").GetBoolean());
        await _rooms.AppendAsync("resume", "w", "live");
        Assert.Equal(["after 1", "after 2", "live"], await Texts(reader, 3));
    }

    private static async Task<List<string>> Texts(RecordingMember member, int count)
    {
        var texts = new List<string>();
        while (texts.Count < count)
        {
            texts.Add((await member.NextOfTypeAsync("message")).GetProperty("text").GetString()!);
        }

        return texts;
    }
}

internal static class InMemoryRoomsExtensions
{
    public static Task<string> AppendAsync(this InMemoryRooms rooms, string room, string user, string text) =>
        Task.FromResult(rooms.Append(room, user, text));
}
