using System.Diagnostics.Metrics;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// A node that is behind (its backlog over the high-water mark, set here by the test) holds its clients'
/// <c>send</c> frames, and their reading with them, until it has caught up: the sender's ack comes late, not its
/// readers' messages. A send held longer than <see cref="ChatLimits.MaxSendHold"/> is refused with <c>busy</c>.
/// </summary>
public sealed class BackPressureTests(ChatServerFixture fixture, ITestOutputHelper output) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    /// <summary>Puts the node behind: what it adds to the backlog, to take away.</summary>
    private static long PutBehind(SendBacklog backlog)
    {
        var extra = backlog.HighWater + 1 - backlog.Frames;
        backlog.Add((int)extra);
        Assert.True(backlog.IsBehind);
        return extra;
    }

    [Fact]
    public async Task A_send_waits_while_the_node_is_behind_then_is_stored_and_acked()
    {
        var backlog = Server.Get<SendBacklog>();
        using var held = new MetricCollector<double>(Server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.sends.held.duration");
        await using var sender = await ConnectAsync(Server, "bp_sender");
        await using var reader = await ConnectAsync(Server, "bp_reader");
        await sender.JoinAsync("backpressure");
        await reader.JoinAsync("backpressure");

        var extra = PutBehind(backlog);
        var released = false;
        try
        {
            var cid = await sender.SendMessageAsync("backpressure", "held back");
            var pingCid = sender.NextCid();
            await sender.SendAsync(new { type = "ping", cid = pingCid });
            await Eventually.EqualAsync(true, () => Task.FromResult(backlog.IsHolding));

            // Held before it was stored: no ack, no message, and the reader stopped there (the ping waits behind it).
            Assert.Empty(sender.DrainAcks());
            Assert.DoesNotContain(sender.Drain(), f => Type(f) is "message" or "pong");
            Assert.DoesNotContain(reader.Drain(), f => IsMessageIn(f, "backpressure"));

            backlog.Remove((int)extra);
            released = true;
            await sender.WaitForAsync(f => Type(f) == "pong" && f.GetProperty("cid").GetString() == pingCid);
            Assert.Equal("ack", Type(await sender.ReplyToAsync(cid)));
            var message = await reader.WaitForAsync(f => IsMessageIn(f, "backpressure"));
            Assert.Equal("held back", message.GetProperty("text").GetString());
            Assert.Contains(held.GetMeasurementSnapshot(), m => m.Value > 0);
        }
        finally
        {
            if (!released)
            {
                backlog.Remove((int)extra);
            }
        }
    }

    [Fact]
    public async Task Readers_that_read_slowly_slow_the_senders_down_and_lose_nothing()
    {
        const string room = "backpressure-slow";
        const int readerCount = 20, senderCount = 4, inFlight = 16;

        // A node of its own, whose rate limit lets senders go as fast as their acks come (as a load test's would).
        await using var server = await ChatServer.StartAsync("--Chat:RatePerSecond", "100000", "--Chat:RateBurst", "1000");
        using var held = new MetricCollector<double>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.sends.held.duration");
        using var dropped = new MetricCollector<long>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.clients.slow_disconnects");
        var readers = await Task.WhenAll(Enumerable.Range(0, readerCount).Select(i => ConnectRawAsync(server, $"bp_slow{i}", afterAnotherRequest: false)));
        var senders = await Task.WhenAll(Enumerable.Range(0, senderCount).Select(i => ConnectAsync(server, $"bp_fast{i}")));
        try
        {
            await Task.WhenAll(readers.Concat(senders).Select(c => c.JoinAsync(room)));

            // The readers read steadily, but a few KiB every 10 ms: less than the senders can send them.
            foreach (var reader in readers)
            {
                reader.ReadPause = TimeSpan.FromMilliseconds(10);
            }

            // Each sender keeps 16 sends unacknowledged for 5 s, as the load tool does.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            var acked = await Task.WhenAll(senders.Select(async sender =>
            {
                var ids = new List<string>();
                var unanswered = new Queue<string>();
                for (var n = 0; n < inFlight; n++)
                {
                    unanswered.Enqueue(await sender.SendMessageAsync(room, $"{sender.Name} {n}"));
                }

                while (unanswered.Count > 0)
                {
                    var reply = await sender.ReplyToAsync(unanswered.Dequeue(), TimeSpan.FromSeconds(30));

                    Assert.True(Type(reply) == "ack", reply.ToString());
                    ids.Add(reply.GetProperty("id").GetString()!);
                    if (DateTime.UtcNow < until)
                    {
                        unanswered.Enqueue(await sender.SendMessageAsync(room, $"{sender.Name} {ids.Count + unanswered.Count}"));
                    }
                }

                Assert.DoesNotContain(sender.Drain(), f => Type(f) == "error");
                return ids;
            }));

            // The node held the senders' sends while the readers were behind, and dropped nobody.
            var holds = held.GetMeasurementSnapshot();
            output.WriteLine($"{acked.Sum(ids => ids.Count)} messages acked in 5 s; {holds.Count} sends held, the longest {holds.Select(m => m.Value).DefaultIfEmpty().Max() * 1000:0} ms");
            Assert.NotEmpty(holds);
            Assert.Equal(0, dropped.GetMeasurementSnapshot().EvaluateAsCounter());

            var expected = acked.SelectMany(ids => ids).Select(StreamId.Parse).Order().ToList();
            foreach (var reader in readers)
            {
                reader.ReadPause = null;
                var got = new List<StreamId>();
                while (got.Count < expected.Count)
                {
                    got.Add(StreamId.Parse((await reader.WaitForAsync(f => IsMessageIn(f, room), TimeSpan.FromSeconds(30))).GetProperty("id").GetString()!));
                }

                Assert.Equal(expected, got);
                Assert.Equal(System.Net.WebSockets.WebSocketState.Open, reader.State);
            }
        }
        finally
        {
            await Task.WhenAll(readers.Concat(senders).Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_send_held_too_long_is_refused_busy_and_not_stored()
    {
        var backlog = Server.Get<SendBacklog>();
        await using var sender = await ConnectAsync(Server, "bp_busy");
        await sender.JoinAsync("backpressure-busy");

        var extra = PutBehind(backlog);
        try
        {
            var cid = await sender.SendMessageAsync("backpressure-busy", "never stored");
            var reply = await sender.ReplyToAsync(cid, ChatLimits.MaxSendHold + TimeSpan.FromSeconds(10));
            Assert.Equal(("error", ErrorCodes.Busy, "send"), (Type(reply), reply.GetProperty("code").GetString(), reply.GetProperty("frame").GetString()));
        }
        finally
        {
            backlog.Remove((int)extra);
        }

        // The connection carries on: the next send is stored and acked, and the refused one never was.
        var next = await sender.SendMessageAsync("backpressure-busy", "after busy");
        Assert.Equal("ack", Type(await sender.ReplyToAsync(next)));
        var texts = (await Server.Get<IConnectionMultiplexer>().GetDatabase().StreamRangeAsync(RedisKeys.Stream("backpressure-busy"))).Select(e => (string?)e["t"]).ToList();
        Assert.Equal(["after busy"], texts);
    }
}
