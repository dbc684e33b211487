using System.Diagnostics;
using System.Net.Http.Json;
using Chattorum.ChatApi.Diagnostics;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Soak;

/// <summary>
/// Steady mixed traffic (chat, joins and leaves, connections coming and going, resumes, /stock) against two chat
/// nodes and the StockBot, all real processes; then every client goes, and each node must be back where it
/// started: no connection, no hub, no queued frame, and timers, threads, handles and heap flat.
/// <c>CHATTORUM_SOAK_SECONDS</c> sets how long the traffic runs: <c>scripts/soak.sh</c> runs 600 s, the test command 45 s.
/// </summary>
public class SoakTests(ITestOutputHelper output)
{
    private const int Rooms = 8;
    private const int Chatters = 40;
    private const int Churners = 4;
    private const int Resumers = 10;
    private const int Askers = 4;
    private static readonly TimeSpan ChatInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ResumeInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AskInterval = TimeSpan.FromSeconds(2.5);

    // Allowed growth between the warmed-up baseline and the idle node at the end.
    private const long HeapSlackBytes = 4L * 1024 * 1024;
    private const int TimerSlack = 16;
    private const int HandleSlack = 32;
    private const int ThreadSlack = 24;
    private static readonly TimeSpan PoolTrimTime = TimeSpan.FromSeconds(150);

    private static TimeSpan Duration =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("CHATTORUM_SOAK_SECONDS"), out var seconds) && seconds > 0 ? seconds : 45);

    private sealed class Counts
    {
        public long Sent;
        public long Churned;
        public long Resumes;
        public long Asked;
    }

    [Fact]
    public async Task Steady_mixed_traffic_leaves_every_count_on_every_node_where_it_started()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var broker = await RabbitMqServer.StartAsync();
        await using var quotes = await FakeQuoteServer.StartAsync();
        quotes.SetPrice("AAPL.US", 93.42m);
        var nodes = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => ChatNodeProcess.StartAsync(
            redis, ("ConnectionStrings__messaging", broker.ChatConnectionString), ("Chat__DiagnosticsEndpoint", "true"))));
        await using var bot = await StockBotProcess.StartAsync(broker, quotes);
        try
        {
            // One short round first, so that what is paid once (JIT, pools, Redis scripts) is in the baseline.
            await RunAsync(nodes, TimeSpan.FromSeconds(5), new Counts());
            var baseline = await Task.WhenAll(nodes.Select(n => IdleStatsAsync(n)));

            var counts = new Counts();
            var clock = Stopwatch.StartNew();
            await RunAsync(nodes, Duration, counts);
            output.WriteLine($"{Duration.TotalSeconds:0} s of traffic: {counts.Sent} chat messages, {counts.Churned} short connections, {counts.Resumes} resumes, {counts.Asked} /stock answered");
            var end = await Task.WhenAll(nodes.Select((n, i) => SettledStatsAsync(n, baseline[i])));

            for (var i = 0; i < nodes.Length; i++)
            {
                output.WriteLine($"node {i} baseline {baseline[i]}");
                output.WriteLine($"node {i} end      {end[i]}");
                Assert.Equal((0, 0, 0L), (end[i].Connections, end[i].Rooms, end[i].QueuedFrames));
                Assert.True(end[i].HeapBytes <= baseline[i].HeapBytes + HeapSlackBytes, $"node {i}: heap grew from {baseline[i].HeapBytes:N0} to {end[i].HeapBytes:N0} bytes");
                Assert.True(end[i].Timers <= baseline[i].Timers + TimerSlack, $"node {i}: timers grew from {baseline[i].Timers} to {end[i].Timers}");
                Assert.True(end[i].Handles <= baseline[i].Handles + HandleSlack, $"node {i}: handles grew from {baseline[i].Handles} to {end[i].Handles}");
                Assert.True(end[i].Threads <= baseline[i].Threads + ThreadSlack, $"node {i}: threads grew from {baseline[i].Threads} to {end[i].Threads}");
            }

            Assert.True(counts.Sent > 0 && counts.Churned > 0 && counts.Resumes > 0 && counts.Asked > 0);
            output.WriteLine(ReliabilityLog.Record("soak", $"{counts.Sent} messages, {counts.Churned} short connections, {counts.Resumes} resumes, {counts.Asked} /stock answered; heap change node 0 {(end[0].HeapBytes - baseline[0].HeapBytes) / 1024} KiB, node 1 {(end[1].HeapBytes - baseline[1].HeapBytes) / 1024} KiB, timers {end[0].Timers - baseline[0].Timers}/{end[1].Timers - baseline[1].Timers}, handles {end[0].Handles - baseline[0].Handles}/{end[1].Handles - baseline[1].Handles}; all back to idle, checked", clock.Elapsed));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    /// <summary>The node's figures once every client has gone (the hubs retire a moment after their last member).</summary>
    private static async Task<RuntimeStats> IdleStatsAsync(ChatNodeProcess node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUri };
        await Eventually.EqualAsync((0, 0), async () =>
        {
            var stats = (await http.GetFromJsonAsync<RuntimeStats>(RuntimeStats.Path))!;
            return (stats.Connections, stats.Rooms);
        }, TimeSpan.FromSeconds(30));
        return (await http.GetFromJsonAsync<RuntimeStats>($"{RuntimeStats.Path}?collect=true"))!;
    }

    /// <summary>
    /// The idle node's figures once its buffer pools have let go of what the traffic made them keep: the shared
    /// array pool and Kestrel's block pool return idle buffers over a minute or so, and until then they count as
    /// heap. A leak never settles; a pool does.
    /// </summary>
    private static async Task<RuntimeStats> SettledStatsAsync(ChatNodeProcess node, RuntimeStats baseline)
    {
        var deadline = DateTime.UtcNow + PoolTrimTime;
        var stats = await IdleStatsAsync(node);
        while (stats.HeapBytes > baseline.HeapBytes + HeapSlackBytes && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            stats = await IdleStatsAsync(node);
        }

        return stats;
    }

    /// <summary>Runs every kind of traffic for this long, checks what each got, and closes every client.</summary>
    private static async Task RunAsync(IReadOnlyList<ChatNodeProcess> nodes, TimeSpan duration, Counts counts)
    {
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(
            ChatAsync(nodes, counts, stop.Token),
            ChurnAsync(nodes, counts, stop.Token),
            ResumeAsync(nodes, counts, stop.Token),
            AskAsync(nodes, counts, stop.Token));
    }

    private static string Room(int i) => $"soak-{i % Rooms}";

    /// <summary>Chatters in every room, each sending at a steady pace; every send is acked.</summary>
    private static async Task ChatAsync(IReadOnlyList<ChatNodeProcess> nodes, Counts counts, CancellationToken stop)
    {
        var chatters = await Task.WhenAll(Enumerable.Range(0, Chatters).Select(async i =>
        {
            var chatter = await ConnectAsync(nodes[i % nodes.Count], $"soak_chat{i}");
            await chatter.JoinAsync(Room(i));
            return chatter;
        }));
        try
        {
            await Task.WhenAll(chatters.Select(async (chatter, i) =>
            {
                var sent = 0;
                using var pace = new PeriodicTimer(ChatInterval);
                try
                {
                    while (await pace.WaitForNextTickAsync(stop))
                    {
                        await chatter.SendMessageAsync(Room(i), $"chat {sent++}");
                        chatter.Drain();
                    }
                }
                catch (OperationCanceledException)
                {
                }

                var acks = chatter.DrainAcks().Count;
                if (acks < sent)
                {
                    acks += (await chatter.AcksAsync(sent - acks)).Count;
                }

                Assert.Equal(sent, acks);
                Interlocked.Add(ref counts.Sent, sent);
            }));
        }
        finally
        {
            await Task.WhenAll(chatters.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Short-lived connections: connect, join two rooms, say something, leave one, and go, cleanly or not.</summary>
    private static async Task ChurnAsync(IReadOnlyList<ChatNodeProcess> nodes, Counts counts, CancellationToken stop)
    {
        await Task.WhenAll(Enumerable.Range(0, Churners).Select(async worker =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var client = await ConnectAsync(nodes[(worker + round) % nodes.Count], $"soak_churn{worker}");
                await client.JoinAsync(Room(round));
                await client.JoinAsync(Room(round + 1));
                Assert.Equal("ack", Type(await client.ReplyToAsync(await client.SendMessageAsync(Room(round), $"churn {worker}.{round}"))));
                await client.SendAsync(new { type = "leave", room = Room(round + 1), cid = "bye" });
                await client.WaitForAsync(f => Type(f) == "left");
                if (round % 3 == 0)
                {
                    client.Abort();
                }
                else
                {
                    await client.CloseAsync();
                }

                await client.DisposeAsync();
                Interlocked.Increment(ref counts.Churned);
            }
        }));
    }

    /// <summary>Readers that move between the nodes, resuming from the last message they saw, and miss nothing.</summary>
    private static async Task ResumeAsync(IReadOnlyList<ChatNodeProcess> nodes, Counts counts, CancellationToken stop)
    {
        var readers = Enumerable.Range(0, Resumers).Select(i => new ResumingClient($"soak_resume{i}", Room(i))).ToList();
        try
        {
            await Task.WhenAll(readers.Select((r, i) => r.ConnectAsync(nodes[i % nodes.Count])));
            for (var round = 1; !stop.IsCancellationRequested; round++)
            {
                try
                {
                    await Task.Delay(ResumeInterval, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                await Task.WhenAll(readers.Select((r, i) => r.ConnectAsync(nodes[(i + round) % nodes.Count])));
                Interlocked.Add(ref counts.Resumes, readers.Count);
            }

            // Nothing missed or repeated across all those moves: the ids each saw only ever go up.
            foreach (var reader in readers)
            {
                await reader.ConnectAsync(nodes[0]);
                var ids = reader.Ids.Select(ChatApi.Backplane.StreamId.Parse).ToList();
                Assert.True(ids.Zip(ids.Skip(1)).All(p => p.First < p.Second), $"{reader.Name} saw an id twice or out of order");
                Assert.False(reader.Truncated);
            }
        }
        finally
        {
            await Task.WhenAll(readers.Select(r => r.DisposeAsync().AsTask()));
        }
    }

    /// <summary>/stock now and then, each answered by the bot in the room.</summary>
    private static async Task AskAsync(IReadOnlyList<ChatNodeProcess> nodes, Counts counts, CancellationToken stop)
    {
        var askers = await Task.WhenAll(Enumerable.Range(0, Askers).Select(async i =>
        {
            var asker = await ConnectAsync(nodes[i % nodes.Count], $"soak_ask{i}");
            await asker.JoinAsync($"soak-stock{i}");
            return asker;
        }));
        try
        {
            await Task.WhenAll(askers.Select(async (asker, i) =>
            {
                using var pace = new PeriodicTimer(AskInterval);
                try
                {
                    while (await pace.WaitForNextTickAsync(stop))
                    {
                        var room = $"soak-stock{i}";
                        var cid = await asker.SendMessageAsync(room, "/stock=AAPL");

                        // The bot's answer may overtake the queued reply: take both in whatever order they come.
                        string? queued = null, answer = null;
                        while (queued is null || answer is null)
                        {
                            var frame = await asker.NextAsync();
                            if (frame.TryGetProperty("cid", out var c) && c.GetString() == cid)
                            {
                                queued = Type(frame);
                            }
                            else if (IsMessageIn(frame, room) && frame.GetProperty("user").GetString() == "StockBot")
                            {
                                answer = frame.GetProperty("text").GetString();
                            }
                        }

                        Assert.Equal(("queued", "AAPL.US quote is $93.42 per share"), (queued, answer));
                        Interlocked.Increment(ref counts.Asked);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }
        finally
        {
            await Task.WhenAll(askers.Select(a => a.DisposeAsync().AsTask()));
        }
    }
}
