using System.Diagnostics.Metrics;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// A node that is behind (its backlog over the high-water mark, set here by the test) holds its clients'
/// <c>send</c> frames, and their reading with them, until it has caught up: the sender's ack comes late, not its
/// readers' messages. A send held longer than <see cref="ChatLimits.MaxSendHold"/> is refused with <c>busy</c>.
/// </summary>
public sealed class BackPressureTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
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
