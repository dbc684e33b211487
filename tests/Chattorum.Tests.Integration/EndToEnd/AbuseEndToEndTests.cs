using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Chattorum.Tests.Support;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>A node with the per-connection rate raised out of the way, so that abuse is met by the limit it aims at.</summary>
public sealed class UnthrottledServerFixture : IAsyncLifetime
{
    private ChatServer? _server;

    public ChatServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await ChatServer.StartAsync("--Chat:RatePerSecond", "100000", "--Chat:RateBurst", "100000");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// Hostile input over a real socket: each case gets its precise answer, the connection (where the protocol allows)
/// and the server stay up, and what the room already holds is untouched.
/// </summary>
public class AbuseEndToEndTests(UnthrottledServerFixture fixture) : IClassFixture<UnthrottledServerFixture>
{
    private ChatServer Server => fixture.Server;

    private IDatabase Redis => Server.Get<IConnectionMultiplexer>().GetDatabase();

    private HashSet<string> RedisKeys()
    {
        var multiplexer = Server.Get<IConnectionMultiplexer>();
        return [.. multiplexer.GetServer(multiplexer.GetEndPoints()[0]).Keys(pattern: "*").Select(k => k.ToString())];
    }

    /// <summary>A ping padded with spaces to exactly this many bytes.</summary>
    private static byte[] PingOfSize(int bytes)
    {
        var head = """{"type":"ping","cid":"edge"}"""u8.ToArray();
        var frame = new byte[bytes];
        head.AsSpan(0, head.Length - 1).CopyTo(frame);
        frame.AsSpan(head.Length - 1, bytes - head.Length).Fill((byte)' ');
        frame[^1] = (byte)'}';
        return frame;
    }

    private static async Task StillServesAsync(ChatTestClient client)
    {
        await client.SendAsync(new { type = "ping", cid = "alive" });
        var pong = await client.WaitForAsync(f => Type(f) is "pong" or "error");
        Assert.Equal("pong", Type(pong));
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(ChatLimits.MaxFrameBytes, false)]
    public async Task A_frame_at_the_limit_is_served_and_one_byte_more_closes_with_1009(int overLimit, bool served)
    {
        await using var client = await ConnectAsync(Server, "edge_frames");
        await client.SendRawAsync(PingOfSize(ChatLimits.MaxFrameBytes + overLimit));
        if (served)
        {
            var pong = await client.NextAsync();
            Assert.Equal(("pong", "edge"), (Type(pong), pong.GetProperty("cid").GetString()));
            await StillServesAsync(client);
        }
        else
        {
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await client.WaitClosedAsync()).Status);
        }

        await using var next = await ConnectAsync(Server, "edge_frames_after");
        await StillServesAsync(next);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    [InlineData(1024)]
    public async Task A_frame_in_many_fragments_is_one_frame(int fragments)
    {
        await using var client = await ConnectAsync(Server, "fragments");
        var frame = PingOfSize(ChatLimits.MaxFrameBytes);
        var size = (frame.Length + fragments - 1) / fragments;
        for (var offset = 0; offset < frame.Length; offset += size)
        {
            var end = Math.Min(frame.Length, offset + size);
            await client.SendRawAsync(frame[offset..end], endOfMessage: end == frame.Length);
        }

        Assert.Equal("pong", Type(await client.NextAsync()));
        await StillServesAsync(client);
    }

    public static TheoryData<string, string> HostileJson()
    {
        string Nested(int depth) => $$"""{"type":"ping","cid":"deep","x":{{new string('[', depth - 1)}}1{{new string(']', depth - 1)}}}""";
        return new TheoryData<string, string>
        {
            { Nested(ChatLimits.MaxJsonDepth), "pong" },
            { Nested(ChatLimits.MaxJsonDepth + 1), "bad_json" },
            { Nested(2000), "bad_json" },
            { $$"""{"type":"ping","cid":"wide","x":[{{string.Join(',', Enumerable.Repeat('1', 3500))}}]}""", "pong" },
            { $$"""{"type":"ping","cid":"many",{{string.Join(',', Enumerable.Range(0, 400).Select(i => $"\"f{i}\":{i}"))}}}""", "pong" },
            { $$"""{"type":"ping","cid":"big","n":{{new string('9', 7000)}}}""", "pong" },
            { """{"type":"ping","cid":"unknown","future":{"nested":[true,null,"x"]}}""", "pong" },
            { """{"type":"ping","type":"send","room":"lobby","text":"smuggled"}""", "bad_frame" },
            { """{"type":"send","room":"lobby","room":"other","text":"x"}""", "bad_frame" },
            { """{"type":"send","room":"lobby","text":"\ud800"}""", "bad_json" },
            { """{"type":"send","room":"lobby","text":"x"} {"type":"ping"}""", "bad_json" },
            { """{"type":"send","room":"lobby","text":"x",}""", "bad_json" },
            { """{"type":"send","room":"lobby","text":"x" /* c */}""", "bad_json" },
            { "[]", "bad_json" },
            { "\"ping\"", "bad_json" },
            { "{}", "bad_frame" },
            { """{"type":null,"cid":"n"}""", "bad_frame" },
            { """{"type":7}""", "bad_frame" },
            { """{"type":"send","room":"lobby","text":{"$gt":""}}""", "bad_frame" },
            { """{"type":"send","cid":"m1"}""", "bad_room" },
            { """{"type":"send","room":"lobby","cid":"m2"}""", "bad_text" },
            { """{"type":"join","cid":"m3"}""", "bad_room" },
            { """{"type":"join","room":"lobby","since":"0-0; FLUSHALL"}""", "bad_frame" },
            { $$"""{"type":"ping","cid":"{{new string('c', ChatLimits.MaxClientIdLength + 1)}}"}""", "bad_frame" },
        };
    }

    [Theory]
    [MemberData(nameof(HostileJson))]
    public async Task Deep_huge_duplicate_or_missing_json_gets_its_answer_and_the_connection_stays(string json, string answer)
    {
        Assert.True(Encoding.UTF8.GetByteCount(json) <= ChatLimits.MaxFrameBytes, "the case must fit in a frame");
        await using var watcher = await ConnectAsync(Server, "json_watcher");
        await watcher.JoinAsync("lobby");
        var before = await Redis.StreamLengthAsync(ChatApi.Backplane.RedisKeys.Stream("lobby"));
        await using var client = await ConnectAsync(Server, "json_abuser");
        await client.SendTextAsync(json);
        var reply = await client.NextAsync();
        if (answer == "pong")
        {
            Assert.Equal("pong", Type(reply));
        }
        else
        {
            Assert.Equal(("error", answer), (Type(reply), reply.GetProperty("code").GetString()));
        }

        await StillServesAsync(client);
        Assert.Equal(before, await Redis.StreamLengthAsync(ChatApi.Backplane.RedisKeys.Stream("lobby")));
    }

    [Theory]
    [InlineData("lobby}:stream")]
    [InlineData("{lobby}")]
    [InlineData("*")]
    [InlineData("lobby:members")]
    [InlineData("chattorum:room:{lobby}:stream")]
    [InlineData("../lobby")]
    [InlineData("LOBBY")]
    [InlineData("lobby\r\nFLUSHALL")]
    [InlineData("lobby FLUSHALL")]
    [InlineData("lobby.#")]
    [InlineData("lobby\u0000")]
    [InlineData("lobby\u0131")]
    [InlineData("")]
    public async Task Room_names_aimed_at_other_redis_keys_are_refused_and_touch_nothing(string room)
    {
        await using var client = await ConnectAsync(Server, "key_prober");
        var keys = RedisKeys();
        foreach (var type in new[] { "join", "send", "leave" })
        {
            await client.SendAsync(new { type, room, text = "x", cid = type });
            var error = await client.NextAsync();
            Assert.Equal(("error", "bad_room", type), (Type(error), error.GetProperty("code").GetString(), error.GetProperty("cid").GetString()));
        }

        // Keys may expire meanwhile (presence); none may appear.
        Assert.Empty(RedisKeys().Except(keys));
        await StillServesAsync(client);
    }

    [Theory]
    [InlineData("/stock.#=AAPL", "bad_command")]
    [InlineData("/*=AAPL", "bad_command")]
    [InlineData("/#=AAPL", "bad_command")]
    [InlineData("/stock.us=AAPL", "bad_command")]
    [InlineData("/amq.direct=x", "bad_command")]
    [InlineData("/stock#=AAPL", "bad_command")]
    [InlineData("/=AAPL", "bad_command")]
    [InlineData("/stock\u0000=AAPL", "bad_text")]
    public async Task Command_names_aimed_at_amqp_routing_keys_are_refused_before_any_broker(string line, string code)
    {
        await using var client = await ConnectAsync(Server, "routing_prober");
        await client.JoinAsync("routing");
        var before = await Redis.StreamLengthAsync(ChatApi.Backplane.RedisKeys.Stream("routing"));
        var error = await client.ReplyToAsync(await client.SendMessageAsync("routing", line));
        Assert.Equal(("error", code), (Type(error), error.GetProperty("code").GetString()));
        Assert.Equal(before, await Redis.StreamLengthAsync(ChatApi.Backplane.RedisKeys.Stream("routing")));
        await StillServesAsync(client);
    }

    [Theory]
    [InlineData("user:*")]
    [InlineData("a{b}")]
    [InlineData("bot.#")]
    [InlineData("StockBot")]
    [InlineData("stockbot")]
    [InlineData("alice\r\n")]
    [InlineData("al ice")]
    public async Task User_names_aimed_at_keys_routing_or_the_bot_cannot_register(string username)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        var keys = RedisKeys();
        var response = await http.PostAsJsonAsync("/api/auth/register", new { username, password = "long enough password" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_username", (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetString());
        Assert.Empty(RedisKeys().Except(keys));
    }

    [Fact]
    public async Task Two_thousand_joins_on_one_connection_hold_at_most_the_room_limit_and_leave_nothing_behind()
    {
        await using var client = await ConnectAsync(Server, "joiner");
        const int joins = 2000;
        var answers = new List<System.Text.Json.JsonElement>();

        // A hundred at a time: all at once, the answers outrun the client's send queue and it is closed as a slow consumer.
        foreach (var batch in Enumerable.Range(0, joins).Chunk(100))
        {
            foreach (var i in batch)
            {
                await client.SendAsync(new { type = "join", room = $"many-{i}", cid = $"j{i}" });
            }

            answers.AddRange(await client.CollectAsync(f => f.TryGetProperty("cid", out var c) && c.GetString()!.StartsWith('j'), batch.Length));
        }

        Assert.Equal(ChatLimits.MaxRoomsPerConnection, answers.Count(a => Type(a) == "joined"));
        Assert.Equal(joins - ChatLimits.MaxRoomsPerConnection, answers.Count(a => Type(a) == "error" && a.GetProperty("code").GetString() == "too_many_rooms"));
        Assert.True(Server.Get<RoomHubs>().Count <= ChatLimits.MaxRoomsPerConnection + 8);
        await StillServesAsync(client);

        await client.CloseAsync();
        await Eventually.EqualAsync(false, () => Task.FromResult(Enumerable.Range(0, joins).Any(i => Server.Get<RoomHubs>().TryGet($"many-{i}", out _))), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(RedisKeys(), k => k.Contains("{many-", StringComparison.Ordinal) && k.EndsWith(":members", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_thousand_join_and_leave_cycles_leave_one_clean_room()
    {
        await using var watcher = await ConnectAsync(Server, "cycle_watcher");
        await watcher.JoinAsync("cycles");
        await using var client = await ConnectAsync(Server, "cycler");
        const int cycles = 2000;
        var left = new List<System.Text.Json.JsonElement>();
        foreach (var batch in Enumerable.Range(0, cycles).Chunk(100))
        {
            foreach (var i in batch)
            {
                await client.SendAsync(new { type = "join", room = "cycles", cid = $"j{i}" });
                await client.SendAsync(new { type = "leave", room = "cycles", cid = $"l{i}" });
            }

            left.AddRange(await client.CollectAsync(f => Type(f) == "left", batch.Length));
        }

        Assert.Equal($"l{cycles - 1}", left[^1].GetProperty("cid").GetString());
        await StillServesAsync(client);

        // The room has the watcher alone, in Redis and to a newcomer.
        await using var late = await ConnectAsync(Server, "cycle_late");
        var joined = await late.JoinAsync("cycles");
        Assert.Equal(["cycle_late", "cycle_watcher"], joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Two_thousand_connections_from_one_address_are_served_and_all_let_go()
    {
        const int connections = 2000;
        var open = Server.Get<ChatConnections>().Count;
        var token = await Server.TokenAsync("crowd");
        var clients = new List<ChatTestClient>(connections);
        try
        {
            foreach (var batch in Enumerable.Range(0, connections).Chunk(100))
            {
                clients.AddRange(await Task.WhenAll(batch.Select(_ => ConnectAsync(Server.WebSocketUri(), "crowd", token))));
            }

            Assert.True(Server.Get<ChatConnections>().Count >= open + connections);
            await Task.WhenAll(clients.Where((_, i) => i % 100 == 0).Select(StillServesAsync));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }

        await Eventually.EqualAsync(true, () => Task.FromResult(Server.Get<ChatConnections>().Count <= open), TimeSpan.FromSeconds(30));
        await using var after = await ConnectAsync(Server, "crowd_after");
        await StillServesAsync(after);
    }
}
