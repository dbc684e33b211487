using System.Diagnostics;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>
/// The limits an operator sets in the <c>Chat</c> section take effect on a real node (Kestrel, Redis), and the welcome
/// tells clients the ones they must keep to; a value out of its range stops the node before it serves anyone.
/// </summary>
public sealed class ConfiguredLimitsTests
{
    [Fact]
    public async Task Two_rooms_per_connection_refuse_the_third_join_and_the_welcome_says_two()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxRoomsPerConnection", "2");
        var welcome = await WelcomeAsync(server, "two_rooms");
        Assert.Equal(2, welcome.GetProperty("limits").GetProperty("maxRooms").GetInt32());

        await using var client = await ConnectAsync(server, "two_rooms");
        await client.JoinAsync("first");
        await client.JoinAsync("second");
        var cid = client.NextCid();
        await client.SendAsync(new { type = "join", room = "third", cid });
        var refused = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
        Assert.Equal(("error", "too_many_rooms", "a connection can be in at most 2 rooms"), (Type(refused), refused.GetProperty("code").GetString(), refused.GetProperty("message").GetString()));

        // The limit is on the rooms a connection is in at once: one left, one more may be joined.
        await client.SendAsync(new { type = "leave", room = "first", cid = client.NextCid() });
        await client.WaitForAsync(f => Type(f) == "left");
        await client.JoinAsync("third");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    public async Task A_join_replays_the_configured_number_of_messages_then_goes_live(int history)
    {
        await using var server = await ChatServer.StartAsync("--Chat:JoinHistoryCount", $"{history}");
        await using var sender = await ConnectAsync(server, "history_sender");
        await sender.JoinAsync("history");
        for (var i = 0; i < 5; i++)
        {
            await sender.SendMessageAsync("history", $"m{i}");
        }

        await sender.AcksAsync(5);

        await using var reader = await ConnectAsync(server, "history_reader");
        var joined = await reader.JoinAsync("history");
        Assert.Equal(history, joined.GetProperty("history").GetInt32());
        await sender.SendMessageAsync("history", "live");
        var messages = await reader.CollectAsync(f => IsMessageIn(f, "history"), history + 1);
        Assert.Equal([.. Enumerable.Range(5 - history, history).Select(i => $"m{i}"), "live"], messages.Select(m => m.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_lower_text_limit_refuses_a_longer_text_with_bad_text_and_the_welcome_says_so()
    {
        await using var server = await ChatServer.StartAsync("--Chat:MaxTextLength", "140");
        var welcome = await WelcomeAsync(server, "short_texts");
        Assert.Equal(140, welcome.GetProperty("limits").GetProperty("maxTextLength").GetInt32());

        await using var client = await ConnectAsync(server, "short_texts");
        await client.JoinAsync("tweets");
        var longest = await client.ReplyToAsync(await client.SendMessageAsync("tweets", string.Concat(Enumerable.Repeat("😀", 140))));
        Assert.Equal("ack", Type(longest));
        var tooLong = await client.ReplyToAsync(await client.SendMessageAsync("tweets", new string('a', 141)));
        Assert.Equal(("bad_text", "text is longer than 140 characters"), (tooLong.GetProperty("code").GetString(), tooLong.GetProperty("message").GetString()));
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task One_command_per_window_refuses_the_second_and_the_window_is_the_configured_one()
    {
        // No broker: a command within the limit is answered bot_unreachable, one over it rate_limited, before any broker.
        await using var server = await ChatServer.StartAsync("--Chat:CommandsPerWindow", "1", "--Chat:CommandWindowMilliseconds", "60000");
        await using var client = await ConnectAsync(server, "one_command");
        await client.JoinAsync("commands");

        var first = await client.ReplyToAsync(await client.SendMessageAsync("commands", "/stock=AAPL"));
        Assert.Equal("bot_unreachable", first.GetProperty("code").GetString());
        var second = await client.ReplyToAsync(await client.SendMessageAsync("commands", "/stock=AAPL"));
        Assert.Equal(("rate_limited", "at most 1 command every 60 seconds"), (second.GetProperty("code").GetString(), second.GetProperty("message").GetString()));

        // The window is the Redis key's expiry: longer than the default 10 s, no longer than the 60 s configured.
        var left = await server.Get<IConnectionMultiplexer>().GetDatabase().KeyTimeToLiveAsync(RedisKeys.CommandWindow("one_command"));
        Assert.InRange(left ?? TimeSpan.Zero, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_short_presence_ttl_sweeps_a_silent_node_well_before_the_default_could()
    {
        await using var server = await ChatServer.StartAsync("--Chat:PresenceTtlMilliseconds", "1000", "--Chat:PresenceHeartbeatMilliseconds", "200");
        var options = server.Get<IOptions<ChatApi.ChatOptions>>().Value;
        Assert.Equal((1000, 200), (options.PresenceTtlMilliseconds, options.PresenceHeartbeatMilliseconds));
        await using var watcher = await ConnectAsync(server, "presence_watcher");
        await watcher.JoinAsync("ghosts");

        // A node that put its user in the room, as any node does, and went silent: its last beat 3 s ago.
        var redis = server.Get<IConnectionMultiplexer>();
        var ghostNode = new ChatNode($"ghost-{Guid.NewGuid():N}");
        var ghost = new RedisPresence(redis, ghostNode);
        await ghost.OpenRoomAsync("ghosts");
        await ghost.JoinAsync("ghosts", "ghost_user");
        await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == "ghost_user" && f.GetProperty("event").GetString() == "joined");
        var clock = Stopwatch.StartNew();
        var now = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("TIME"))!;
        await redis.GetDatabase().SortedSetAddAsync(RedisKeys.NodeRegistry, ghostNode.Id, ((long)now[0] * 1000) - 3_000);

        // With the default TTL (10 s) that node would look alive for 7 s more: a sweep sooner is the configured TTL's.
        var left = await watcher.WaitForAsync(
            f => Type(f) == "presence" && f.GetProperty("user").GetString() == "ghost_user" && f.GetProperty("event").GetString() == "left",
            TimeSpan.FromSeconds(6.5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7), $"swept after {clock.Elapsed}");
        Assert.Equal("ghosts", left.GetProperty("room").GetString());
    }

    [Theory]
    [InlineData("Chat:MaxRoomsPerConnection=0", "Chat:MaxRoomsPerConnection is 0; it must be from 1 to 256")]
    [InlineData("Chat:JoinHistoryCount=1001", "Chat:JoinHistoryCount is 1001; it must be from 0 to 1000")]
    [InlineData("Chat:JoinHistoryCount=200;Chat:RoomStreamLength=100", "Chat:JoinHistoryCount is 200, more than Chat:RoomStreamLength (100)")]
    [InlineData("Chat:PresenceHeartbeatMilliseconds=5000", "Chat:PresenceHeartbeatMilliseconds is 5000; with Chat:PresenceTtlMilliseconds at 10000 it must be at most 3333")]
    [InlineData("Chat:CommandWindowMilliseconds=0", "Chat:CommandWindowMilliseconds is 0; it must be from 1000 to 3600000")]
    [InlineData("Chat:MaxTextLength=5000", "Chat:MaxTextLength is 5000; it must be from 1 to 2000")]
    public async Task A_setting_out_of_its_range_stops_the_node_at_start_naming_setting_value_and_range(string settings, string message)
    {
        string[] args = [.. settings.Split(';').SelectMany(setting => setting.Split('=', 2) is [var name, var value] ? new[] { $"--{name}", value } : [])];
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => ChatServer.StartAsync(args));
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }
}
