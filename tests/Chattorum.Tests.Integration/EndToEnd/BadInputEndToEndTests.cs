using System.Net.WebSockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>Every kind of bad client gets its precise answer while a watcher in the same room carries on.</summary>
public class BadInputEndToEndTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    private async Task<(ChatTestClient Watcher, ChatTestClient Bad)> PairAsync(string room)
    {
        var watcher = await ConnectAsync(Server, $"watch_{room.Replace('-', '_')}");
        var bad = await ConnectAsync(Server, $"bad_{room.Replace('-', '_')}");
        await watcher.JoinAsync(room);
        await bad.JoinAsync(room);
        await bad.SendMessageAsync(room, "accepted before misbehaving");
        await watcher.WaitForAsync(f => IsMessageIn(f, room) && f.GetProperty("user").GetString() == bad.Name);
        return (watcher, bad);
    }

    private static async Task WatcherCarriesOnAsync(ChatTestClient watcher, ChatTestClient bad, string room)
    {
        var left = await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == bad.Name);
        Assert.Equal("left", left.GetProperty("event").GetString());
        await watcher.SendMessageAsync(room, "still fine");
        var message = await watcher.WaitForAsync(f => IsMessageIn(f, room));
        Assert.Equal("still fine", message.GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_oversized_frame_closes_with_1009()
    {
        var (watcher, bad) = await PairAsync("big");
        await using (watcher)
        await using (bad)
        {
            var text = new string('x', ChatLimits.MaxFrameBytes);
            await bad.SendTextAsync($$"""{"type":"send","room":"big","text":"{{text}}"}""");
            var (status, reason) = await bad.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
            Assert.Contains($"{ChatLimits.MaxFrameBytes}", reason, StringComparison.Ordinal);
            await WatcherCarriesOnAsync(watcher, bad, "big");
        }
    }

    [Fact]
    public async Task An_oversized_fragmented_frame_closes_with_1009()
    {
        var (watcher, bad) = await PairAsync("frag");
        await using (watcher)
        await using (bad)
        {
            var half = Encoding.UTF8.GetBytes(new string(' ', (ChatLimits.MaxFrameBytes / 2) + 1));
            await bad.SendRawAsync(half, endOfMessage: false);
            await bad.SendRawAsync(half, endOfMessage: true);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, (await bad.WaitClosedAsync()).Status);
            await WatcherCarriesOnAsync(watcher, bad, "frag");
        }
    }

    [Fact]
    public async Task A_frame_of_exactly_the_limit_in_fragments_is_accepted()
    {
        await using var client = await ConnectAsync(Server, "exact");
        var prefix = """{"type":"ping","cid":"edge","pad":" """;
        var json = prefix + new string('p', ChatLimits.MaxFrameBytes - prefix.Length - 2) + "\"}";
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(ChatLimits.MaxFrameBytes, bytes.Length);
        await client.SendRawAsync(bytes[..1000], endOfMessage: false);
        await client.SendRawAsync(bytes[1000..], endOfMessage: true);
        var pong = await client.NextAsync();
        Assert.Equal(("pong", "edge"), (Type(pong), pong.GetProperty("cid").GetString()));
    }

    [Fact]
    public async Task A_binary_frame_closes_with_1003()
    {
        var (watcher, bad) = await PairAsync("binary");
        await using (watcher)
        await using (bad)
        {
            await bad.SendRawAsync([1, 2, 3], WebSocketMessageType.Binary);
            var (status, reason) = await bad.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.InvalidMessageType, status);
            Assert.Contains("binary", reason, StringComparison.Ordinal);
            await WatcherCarriesOnAsync(watcher, bad, "binary");
        }
    }

    [Fact]
    public async Task Invalid_utf8_in_a_text_frame_closes_with_1007()
    {
        var (watcher, bad) = await PairAsync("utf8");
        await using (watcher)
        await using (bad)
        {
            await bad.SendRawAsync([.. """{"type":"send","room":"utf8","text":" """u8, 0xC3, 0x28, .. "\"}"u8]);
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, (await bad.WaitClosedAsync()).Status);
            await WatcherCarriesOnAsync(watcher, bad, "utf8");
        }
    }

    [Fact]
    public async Task An_empty_binary_frame_closes_with_1003()
    {
        var (watcher, bad) = await PairAsync("binary-empty");
        await using (watcher)
        await using (bad)
        {
            await bad.SendRawAsync([], WebSocketMessageType.Binary);
            Assert.Equal(WebSocketCloseStatus.InvalidMessageType, (await bad.WaitClosedAsync()).Status);
            await WatcherCarriesOnAsync(watcher, bad, "binary-empty");
        }
    }

    [Theory]
    [InlineData("", "bad_json", null, null)]
    [InlineData("{not json", "bad_json", null, null)]
    [InlineData("""{"type":"dance","cid":"d1"}""", "unknown_type", null, "d1")]
    [InlineData("""{"type":"join","room":"No Spaces","cid":"j1"}""", "bad_room", "join", "j1")]
    [InlineData("""{"type":"send","room":"r","text":"","cid":"s1"}""", "bad_text", "send", "s1")]
    [InlineData("""{"type":"send","room":"r","text":"\u0007","cid":"s2"}""", "bad_text", "send", "s2")]
    [InlineData("""{"room":"r"}""", "bad_frame", null, null)]
    [InlineData("""{"type":"leave","room":"never-joined","cid":"l1"}""", "not_in_room", "leave", "l1")]
    public async Task A_bad_frame_gets_an_error_and_the_connection_stays(string json, string code, string? frame, string? cid)
    {
        await using var client = await ConnectAsync(Server, "frames");
        await client.SendTextAsync(json);
        var error = await client.NextAsync();
        Assert.Equal("error", Type(error));
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(frame, error.TryGetProperty("frame", out var f) ? f.GetString() : null);
        Assert.Equal(cid, error.TryGetProperty("cid", out var c) ? c.GetString() : null);

        await client.SendAsync(new { type = "ping", cid = "alive" });
        Assert.Equal("pong", Type(await client.NextAsync()));
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task A_flooding_client_is_told_to_slow_down_then_closed_while_the_room_carries_on()
    {
        var (watcher, flooder) = await PairAsync("flood");
        await using (watcher)
        await using (flooder)
        {
            var ping = Encoding.UTF8.GetBytes("""{"type":"ping"}""");
            for (var i = 0; i < ChatLimits.RateBurst + ChatLimits.MaxRefusedPerFloodWindow + 50 && flooder.State == WebSocketState.Open; i++)
            {
                try
                {
                    await flooder.SendRawAsync(ping);
                }
                catch (WebSocketException)
                {
                    break;
                }
            }

            var limited = await flooder.WaitForAsync(f => Type(f) == "error");
            Assert.Equal("rate_limited", limited.GetProperty("code").GetString());
            var (status, reason) = await flooder.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
            Assert.Contains("flooding", reason, StringComparison.Ordinal);
            await WatcherCarriesOnAsync(watcher, flooder, "flood");
        }
    }

    [Fact]
    public async Task A_client_over_the_rate_is_told_once_and_stays_if_it_backs_off()
    {
        await using var client = await ConnectAsync(Server, "eager");
        await client.JoinAsync("eager");

        // Well past the burst, even if the node reads them slowly enough to earn a few frames back meanwhile.
        for (var i = 0; i < ChatLimits.RateBurst + 15; i++)
        {
            await client.SendMessageAsync("eager", $"m{i}");
        }

        // The first refused send is answered; the others, within the second after, are dropped without an answer.
        var error = await client.WaitForAsync(f => Type(f) == "error");
        Assert.Equal(("rate_limited", "send"), (error.GetProperty("code").GetString(), error.GetProperty("frame").GetString()));

        // The burst, less the join's frame, was accepted and stored (and perhaps a frame or two earned meanwhile).
        Assert.Equal(ChatLimits.RateBurst - 1, (await client.AcksAsync(ChatLimits.RateBurst - 1)).Count);

        // A polite client backs off for that second (the protocol's advice, not a wait for the server): then a
        // frame is welcome again.
        await Task.Delay(ChatLimits.RateLimitedAnswerInterval);
        await client.SendAsync(new { type = "ping", cid = "later" });
        var reply = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == "later");
        Assert.Equal("pong", Type(reply));

        // Frames are handled in order: by the pong, every refused send has had what answer it gets, and only one did.
        Assert.DoesNotContain(client.Drain(), f => Type(f) == "error");
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task A_connection_is_in_at_most_the_room_limit()
    {
        await using var client = await ConnectAsync(Server, "roomy");
        for (var i = 0; i <= ChatLimits.MaxRoomsPerConnection; i++)
        {
            while (true)
            {
                await client.SendAsync(new { type = "join", room = $"roomy-{i}", cid = $"j{i}" });
                var reply = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == $"j{i}");
                if (Type(reply) == "error" && reply.GetProperty("code").GetString() == "rate_limited")
                {
                    // A polite client backs off for the second in which frames over the limit get no answer, and tries again.
                    await Task.Delay(ChatLimits.RateLimitedAnswerInterval);
                    continue;
                }

                if (i < ChatLimits.MaxRoomsPerConnection)
                {
                    Assert.Equal("joined", Type(reply));
                }
                else
                {
                    Assert.Equal("too_many_rooms", reply.GetProperty("code").GetString());
                }

                break;
            }
        }
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_disconnected_and_the_room_does_not_wait_for_it()
    {
        // Few enough senders that every reading client keeps up on a small machine (each receives everything).
        const int senders = 20;
        var room = "slow-e2e";
        await using var watcher = await ConnectAsync(Server, "slow_watcher");
        await watcher.JoinAsync(room);
        await using var slow = await ConnectWithoutReadingAsync(Server, "slow_reader");
        await slow.SendAsync(new { type = "join", room });
        await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == "slow_reader");

        var clients = await Task.WhenAll(Enumerable.Range(0, senders).Select(i => ConnectAsync(Server, $"slow_sender{i}")));
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(room)));
            using var slowDropped = new CancellationTokenSource();

            // The watcher reads everything while the senders run, and notes when the slow reader is dropped.
            var watching = Task.Run(async () =>
            {
                var messages = 0;
                while (true)
                {
                    var frame = await watcher.NextAsync();
                    if (IsMessageIn(frame, room))
                    {
                        messages++;
                    }
                    else if (Type(frame) == "presence" && frame.GetProperty("user").GetString() == "slow_reader" && frame.GetProperty("event").GetString() == "left")
                    {
                        await slowDropped.CancelAsync();
                        return messages;
                    }
                }
            });

            // Each sender at its steady rate, about 400 KB/s into the room in all, until the slow reader's
            // socket buffers and send queue are full and it is dropped.
            var text = new string('z', ChatLimits.MaxTextLength);
            var sent = await Task.WhenAll(clients.Select(async c =>
            {
                var count = 0;
                using var pace = new PeriodicTimer(TimeSpan.FromSeconds(1 / ChatLimits.RatePerSecond));
                while (!slowDropped.IsCancellationRequested && !watching.IsCompleted)
                {
                    await c.SendMessageAsync(room, text);
                    count++;
                    try
                    {
                        await pace.WaitForNextTickAsync(slowDropped.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                return count;
            }));

            var beforeDrop = await watching.WaitAsync(TimeSpan.FromSeconds(60));
            var afterDrop = await watcher.CollectAsync(f => IsMessageIn(f, room), sent.Sum() - beforeDrop);
            Assert.Equal(sent.Sum(), beforeDrop + afterDrop.Count);

            slow.StartReading();
            var (status, reason) = await slow.WaitClosedAsync();
            Assert.True(status is null || status == WebSocketCloseStatus.PolicyViolation, $"closed with {status} {reason}");
            if (status is not null)
            {
                Assert.Contains("slow consumer", reason, StringComparison.Ordinal);
            }
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
