using System.Diagnostics;
using System.Net.WebSockets;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Faults;

/// <summary>
/// Each fault the deployment must ride out, injected while 200 readers in four rooms on three nodes take steady
/// traffic. Each test ends with <see cref="FaultRig.FinishAsync"/>: every acked message stored, every reader
/// with its room's stream exactly, from its first message on. Recovery times go to the reliability log.
/// </summary>
public class FaultsUnderTrafficTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);

    private void Report(string fault, string measure, TimeSpan time) => output.WriteLine(ReliabilityLog.Record(fault, measure, time));

    private static async Task WarmAsync(FaultRig rig)
    {
        rig.Traffic.Start();
        await rig.PostInEveryRoomAsync("warm");
        await FaultRig.ReadUntilAsync(rig.Readers, "warm");
    }

    [Fact]
    public async Task A_node_killed_with_SIGKILL_loses_nothing_and_its_clients_resume_on_the_others()
    {
        await using var rig = await FaultRig.StartAsync("kill");
        await WarmAsync(rig);
        var orphans = rig.ReadersOn(2);
        var others = rig.Readers.Except(orphans).ToList();

        var clock = Stopwatch.StartNew();
        await rig.Nodes[2].KillAsync();
        await rig.PostInEveryRoomAsync("after the kill");
        await FaultRig.ReadUntilAsync(others, "after the kill", Recovery);
        Report("node SIGKILL", "clients of other nodes got a message sent after the kill", clock.Elapsed);

        await Task.WhenAll(orphans.Select(r => r.Connection.WaitClosedAsync()));
        Report("node SIGKILL", "its clients saw their connections drop", clock.Elapsed);
        await Task.WhenAll(orphans.Select((r, i) => r.ConnectAsync(rig.Nodes[i % 2])));
        await FaultRig.ReadUntilAsync(orphans, "after the kill", Recovery);
        Report("node SIGKILL", "its clients resumed on other nodes, nothing missed", clock.Elapsed);

        Assert.True(await rig.FinishAsync() > 0);
        Assert.False(rig.Nodes[0].HasExited || rig.Nodes[1].HasExited);
    }

    [Fact]
    public async Task A_node_stopped_gracefully_says_going_away_and_is_back_on_its_port_with_nothing_lost()
    {
        await using var rig = await FaultRig.StartAsync("restart");
        await WarmAsync(rig);
        var node = rig.Nodes[2];
        var orphans = rig.ReadersOn(2);

        var clock = Stopwatch.StartNew();
        var stopping = node.Process.StopAsync();
        var closes = await Task.WhenAll(orphans.Select(r => r.Connection.WaitClosedAsync(Recovery)));
        Assert.All(closes, c => Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, c.Status));
        await Task.WhenAll(orphans.Select((r, i) => r.ConnectAsync(rig.Nodes[i % 2])));
        Report("node graceful restart", "its clients were told 1001 and resumed on other nodes", clock.Elapsed);
        await stopping;
        Report("node graceful restart", "the node had shut down", clock.Elapsed);

        await node.Process.StartAgainAsync();
        Report("node graceful restart", "the node answered /health again on its port", clock.Elapsed);

        // Half the moved clients come home, resuming from where they were.
        await Task.WhenAll(orphans.Where((_, i) => i % 2 == 0).Select(r => r.ConnectAsync(node)));
        await rig.PostInEveryRoomAsync("after the restart");
        await FaultRig.ReadUntilAsync(rig.Readers, "after the restart", Recovery);
        Report("node graceful restart", "every client had a message sent after the restart", clock.Elapsed);

        Assert.True(await rig.FinishAsync() > 0);
    }

    [Fact]
    public async Task A_redis_restart_with_its_append_only_file_loses_no_acked_message_and_every_node_recovers_by_itself()
    {
        await using var rig = await FaultRig.StartAsync("redis");
        var probes = await Task.WhenAll(rig.Nodes.Select(async (node, i) =>
        {
            var probe = await ConnectAsync(node, $"f_probe{i}");
            await probe.JoinAsync(rig.Room(0));
            return probe;
        }));
        await rig.Nodes[0].TokenAsync("f_late");
        await WarmAsync(rig);

        var clock = Stopwatch.StartNew();
        await rig.Redis.StopAsync();
        foreach (var probe in probes)
        {
            var refused = await probe.ReplyToAsync(await probe.SendMessageAsync(rig.Room(0), "while redis is down"));
            Assert.Equal(("error", "unavailable"), (Type(refused), refused.GetProperty("code").GetString()));
        }

        // A join into a room this node already serves is told it failed, not left waiting.
        await using (var late = await ConnectAsync(rig.Nodes[0], "f_late"))
        {
            await late.SendAsync(new { type = "join", room = rig.Room(0), cid = "late" });
            var refusedJoin = await late.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == "late");
            Assert.Equal(("error", "unavailable", "join"), (Type(refusedJoin), refusedJoin.GetProperty("code").GetString(), refusedJoin.GetProperty("frame").GetString()));
        }

        await rig.Redis.RestartAsync();
        Report("Redis restart", "Redis was back (SIGTERM, AOF replayed)", clock.Elapsed);

        // Every node reconnects by itself: each probe's sends are refused until they are accepted.
        foreach (var probe in probes)
        {
            await Probes.UntilAckedAsync(probe, rig.Room(0), clock, Recovery);
        }

        Report("Redis restart", "every node acked sends again", clock.Elapsed);
        await rig.PostInEveryRoomAsync("after redis");
        await FaultRig.ReadUntilAsync(rig.Readers, "after redis", Recovery);
        Report("Redis restart", "every client had a message sent after the restart", clock.Elapsed);

        Assert.True(await rig.FinishAsync() > 0);
        Assert.All(rig.Readers, r => Assert.Equal(WebSocketState.Open, r.Connection.State));
        Assert.DoesNotContain(rig.Nodes, n => n.HasExited);
        await Task.WhenAll(probes.Select(p => p.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task A_rabbitmq_restart_pauses_only_commands_and_the_nodes_and_bot_reconnect_by_themselves()
    {
        await using var rig = await FaultRig.StartAsync("rabbit", commands: true);
        rig.Quotes!.SetPrice("AAPL.US", 93.42m);
        var room = rig.Room(0);
        await using var asker = await ConnectAsync(rig.Nodes[0], "f_asker");
        await asker.JoinAsync(room);
        await WarmAsync(rig);
        var bot = rig.Bot!.Pid;

        var clock = Stopwatch.StartNew();
        await rig.Broker!.StopAsync();
        var refused = await asker.ReplyToAsync(await asker.SendMessageAsync(room, "/stock=AAPL"));
        Assert.Equal("bot_unreachable", refused.GetProperty("code").GetString());

        // The chat itself does not notice.
        await rig.PostInEveryRoomAsync("while the broker is down");
        await FaultRig.ReadUntilAsync(rig.Readers, "while the broker is down", Recovery);
        Report("RabbitMQ restart", "chat went on while the broker was down", clock.Elapsed);

        await rig.Broker.StartAgainAsync();
        Report("RabbitMQ restart", "the broker was back", clock.Elapsed);
        await Probes.UntilQueuedAsync(asker, room, "/stock=AAPL", Recovery);
        Report("RabbitMQ restart", "the chat node published commands again", clock.Elapsed);
        var answered = rig.Readers.Where(r => r.Room == room);
        await FaultRig.ReadUntilAsync(answered, "AAPL.US quote is $93.42 per share", Recovery);
        Report("RabbitMQ restart", "the bot's answer reached the room", clock.Elapsed);

        Assert.True(await rig.FinishAsync() > 0);
        Assert.False(rig.Bot.HasExited);
        Assert.Equal(bot, rig.Bot.Pid);
        Assert.DoesNotContain(rig.Nodes, n => n.HasExited);
    }

    [Fact]
    public async Task A_stockbot_killed_mid_request_answers_it_exactly_once_when_it_is_back()
    {
        await using var rig = await FaultRig.StartAsync("botkill", commands: true);
        var quotes = rig.Quotes!;
        quotes.SetPrice("MSFT.US", 412.5m);

        // The bot waits long enough on a slow provider to be killed while it waits.
        await rig.Bot!.StopAsync();
        await rig.StartBotAsync(attemptTimeout: TimeSpan.FromSeconds(30));
        quotes.SlowDelay = TimeSpan.FromSeconds(60);
        quotes.SetBehaviour(QuoteBehaviour.Slow);
        var room = rig.Room(1);
        await using var asker = await ConnectAsync(rig.Nodes[0], "f_asker");
        await asker.JoinAsync(room);
        await WarmAsync(rig);

        await Probes.UntilQueuedAsync(asker, room, "/stock=MSFT", Recovery);
        await quotes.Stooq.WaitForRequestsAsync(1);
        var clock = Stopwatch.StartNew();
        await rig.Bot.KillAsync();
        quotes.SetBehaviour(QuoteBehaviour.Quote);
        await rig.Bot.StartAgainAsync();
        Report("StockBot SIGKILL mid-request", "a new bot process was consuming", clock.Elapsed);
        await FaultRig.ReadUntilAsync(rig.Readers.Where(r => r.Room == room), "MSFT.US quote is $412.50 per share", Recovery);
        Report("StockBot SIGKILL mid-request", "the request in flight was answered", clock.Elapsed);

        Assert.True(await rig.FinishAsync() > 0);
        var answers = (await rig.RedisConnection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room)))
            .Count(e => e["u"] == "StockBot" && e["t"] == "MSFT.US quote is $412.50 per share");
        Assert.Equal(1, answers);
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_and_200_others_lose_nothing()
    {
        await using var rig = await FaultRig.StartAsync("slow");
        await WarmAsync(rig);
        var bulk = "slow-bulk";
        await using var watcher = await ConnectAsync(rig.Nodes[1], "f_bulk_watcher");
        await watcher.JoinAsync(bulk);
        await using var slow = await ConnectWithoutReadingAsync(rig.Nodes[0], "f_slow");
        await slow.SendAsync(new { type = "join", room = bulk });
        await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == "f_slow");
        var pushers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var pusher = await ConnectAsync(rig.Nodes[i % 2], $"f_pusher{i}");
            await pusher.JoinAsync(bulk);
            return pusher;
        }));

        // The pushers fill the room at their rate limit with the longest texts until the slow reader is dropped.
        var clock = Stopwatch.StartNew();
        using var dropped = new CancellationTokenSource();
        var text = new string('z', ChatLimits.MaxTextLength);
        var pushing = Task.WhenAll(pushers.Select(async p =>
        {
            using var pace = new PeriodicTimer(TimeSpan.FromSeconds(1 / ChatLimits.RatePerSecond));
            try
            {
                while (await pace.WaitForNextTickAsync(dropped.Token))
                {
                    await p.SendMessageAsync(bulk, text);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
        await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == "f_slow" && f.GetProperty("event").GetString() == "left", TimeSpan.FromSeconds(90));
        await dropped.CancelAsync();
        await pushing;
        Report("client stops reading", "it was dropped as a slow consumer", clock.Elapsed);

        slow.StartReading();
        var (status, reason) = await slow.WaitClosedAsync();
        Assert.True(status is null || status == WebSocketCloseStatus.PolicyViolation, $"closed with {status} {reason}");
        Assert.True(await rig.FinishAsync() > 0);
        await Task.WhenAll(pushers.Select(p => p.DisposeAsync().AsTask()));
    }
}
