using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>A node whose deployment allows 20 frames a second per connection (<c>Chat:RatePerSecond</c>), with the default burst.</summary>
public sealed class RateOfTwentyServerFixture : IAsyncLifetime
{
    public const double RatePerSecond = 20;

    private ChatServer? _server;

    public ChatServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await ChatServer.StartAsync("--Chat:RatePerSecond", "20");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// One client sends into a busy room at 20, 50, 200 and 2,000 frames a second, on a node that allows 20: at 20 it is
/// served like anyone; faster, it is told to slow down at most once a second and cut for flooding within a few
/// seconds. Meanwhile a dozen other clients of the room, some of them sending, lose nothing and stay connected.
/// </summary>
public sealed class FloodingEndToEndTests(RateOfTwentyServerFixture fixture) : IClassFixture<RateOfTwentyServerFixture>
{
    private const int Watchers = 12;
    private const int SteadySenders = 3;

    /// <summary>How long a client at the allowed rate sends: 80 frames, four times its burst.</summary>
    private static readonly TimeSpan AllowedRunsFor = TimeSpan.FromSeconds(4);

    /// <summary>"Within a few seconds": at 50 frames a second the rule cuts after 2.4 s (ChatLimits.MaxRefusedPerFloodWindow).</summary>
    private static readonly TimeSpan CutWithin = TimeSpan.FromSeconds(5);

    /// <summary>How often the flooder sends what is due.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan SteadyInterval = TimeSpan.FromMilliseconds(250);

    private ChatServer Server => fixture.Server;

    private MetricCollector<long> Collect(string instrument) => new(Server.Get<IMeterFactory>(), ChatMetrics.MeterName, instrument);

    private static long Sum(MetricCollector<long> collector) => collector.GetMeasurementSnapshot().EvaluateAsCounter();

    [Theory]
    [InlineData(20)]
    [InlineData(50)]
    [InlineData(200)]
    [InlineData(2_000)]
    public async Task A_client_at_the_allowed_rate_stays_and_faster_ones_are_cut_while_the_room_carries_on(int perSecond)
    {
        var allowed = perSecond <= RateOfTwentyServerFixture.RatePerSecond;
        var room = $"flood-{perSecond}";
        var watchers = await Task.WhenAll(Enumerable.Range(0, Watchers).Select(i => ConnectAsync(Server, $"flood{perSecond}_w{i}")));
        await using var flooder = await ConnectAsync(Server, $"flood{perSecond}_sender");
        try
        {
            await Task.WhenAll(watchers.Select(w => w.JoinAsync(room)));
            await flooder.JoinAsync(room);

            using var refusedFrames = Collect("chat.frames.rate_limited");
            using var unanswered = Collect("chat.frames.unanswered");
            using var floods = Collect("chat.clients.flooding_disconnects");
            using var stopSteady = new CancellationTokenSource();
            var steady = watchers.Take(SteadySenders).Select(w => SendSteadilyAsync(w, room, stopSteady.Token)).ToList();

            var clock = Stopwatch.StartNew();
            async Task<(WebSocketCloseStatus? Status, string? Reason, TimeSpan At)> ClosedAsync()
            {
                var (status, reason) = await flooder.WaitClosedAsync(Timeout.InfiniteTimeSpan);
                return (status, reason, clock.Elapsed);
            }

            var closed = ClosedAsync();
            var flooded = await FloodAsync(flooder, room, perSecond, until: allowed ? AllowedRunsFor : CutWithin + TimeSpan.FromSeconds(1), closed);
            var floodedFor = clock.Elapsed;

            await stopSteady.CancelAsync();
            var steadyTexts = (await Task.WhenAll(steady)).SelectMany(texts => texts).ToHashSet();

            // What the flooder got acked was stored before the markers below: at the allowed rate every frame is acked
            // (awaited here); a flooder is closed, and an ack the server had not queued by then is never sent.
            List<string?> flooderAcks;
            if (allowed)
            {
                flooderAcks = [.. (await flooder.AcksAsync(flooded)).Select(a => a.GetProperty("cid").GetString())];
            }
            else
            {
                Assert.True(closed.IsCompleted, $"{flooded} frames in {floodedFor} at {perSecond}/s and still open");
                flooderAcks = [.. flooder.DrainAcks().Select(a => a.GetProperty("cid").GetString())];
            }

            // Sent after the flood: once a watcher has every marker, it has every message stored before them.
            var markers = new HashSet<string>();
            foreach (var sender in watchers.Take(SteadySenders))
            {
                var marker = $"end {sender.Name}";
                markers.Add(marker);
                await sender.SendMessageAsync(room, marker);
            }

            var seen = await Task.WhenAll(watchers.Select(w => MessagesUntilAsync(w, room, markers)));
            var rateLimited = flooder.Drain().Count(f => Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");

            // The room: every watcher got the same messages in the same order, every steady one among them, and nothing
            // else but presence; none was closed.
            Assert.All(seen, messages => Assert.Equal(seen[0].Select(m => m.Id), messages.Select(m => m.Id)));
            Assert.Subset(seen[0].Select(m => m.Text).ToHashSet(), steadyTexts);
            Assert.All(watchers, w => Assert.Equal(WebSocketState.Open, w.State));

            // Whatever the flooder got acked reached the room.
            var floodTexts = seen[0].Where(m => m.User == flooder.Name).Select(m => m.Text).ToHashSet();
            Assert.Subset(floodTexts, flooderAcks.Select(cid => $"flood {cid}").ToHashSet());

            if (allowed)
            {
                if (closed.IsCompleted)
                {
                    Assert.Fail($"closed at the allowed rate: {await closed}");
                }

                Assert.Equal(WebSocketState.Open, flooder.State);
                Assert.Equal(0, rateLimited);
                Assert.Equal((0L, 0L, 0L), (Sum(refusedFrames), Sum(unanswered), Sum(floods)));
                Assert.Equal(flooded, floodTexts.Count);
                Assert.True(flooded >= AllowedRunsFor.TotalSeconds * perSecond * 0.75, $"only {flooded} frames in {floodedFor}");
            }
            else
            {
                var (status, reason, at) = await closed;
                Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
                Assert.StartsWith("flooding", reason, StringComparison.Ordinal);
                Assert.True(at < CutWithin, $"cut after {at}");

                // Told to slow down, but at most once a second: not once per refused frame. The rest were dropped
                // unanswered, and counted: the limit's worth of refused frames, then the one that cut the connection.
                Assert.InRange(rateLimited, 1, (int)at.TotalSeconds + 1);
                Assert.Equal(ChatLimits.MaxRefusedPerFloodWindow + 1L, Sum(refusedFrames));
                Assert.Equal(ChatLimits.MaxRefusedPerFloodWindow - rateLimited, Sum(unanswered));
                Assert.Equal(1, Sum(floods));
            }
        }
        finally
        {
            await Task.WhenAll(watchers.Select(w => w.DisposeAsync().AsTask()));
        }
    }

    /// <summary>
    /// Sends <c>send</c> frames at <paramref name="perSecond"/> until <paramref name="until"/> has passed or the server
    /// closed the connection; how many it sent. Frame k is due k / perSecond seconds in: a late tick (a busy machine)
    /// catches up, so a flooder floods at its rate whatever the machine; a client at the allowed rate catches up by
    /// less than its burst, so it never sends faster than the rate allows (after a longer pause it skips frames).
    /// </summary>
    private static async Task<int> FloodAsync(ChatTestClient flooder, string room, int perSecond, TimeSpan until, Task closed)
    {
        var allowed = perSecond <= RateOfTwentyServerFixture.RatePerSecond;
        var maxCatchUp = allowed ? ChatLimits.RateBurst - 1 : int.MaxValue;
        using var ticks = new PeriodicTimer(Tick);
        var clock = Stopwatch.StartNew();
        var sent = 0;
        long skipped = 0;
        while (clock.Elapsed < until && !closed.IsCompleted)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond) + 1 - skipped;
            skipped += Math.Max(0, due - sent - maxCatchUp);
            due = Math.Min(due, sent + (long)maxCatchUp);
            try
            {
                for (; sent < due && !closed.IsCompleted; sent++)
                {
                    // The cid is the frame's number: what reaches the room says which frames were stored.
                    await flooder.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"send","room":"{{room}}","text":"flood {{sent}}","cid":"{{sent}}"}"""));
                }
            }
            catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The server closed the connection while the frame was on its way.
                break;
            }

            await ticks.WaitForNextTickAsync();
        }

        return sent;
    }

    /// <summary>A client that keeps well within the rate, sending until told to stop; the texts it sent.</summary>
    private static async Task<List<string>> SendSteadilyAsync(ChatTestClient sender, string room, CancellationToken stop)
    {
        var texts = new List<string>();
        using var ticks = new PeriodicTimer(SteadyInterval);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var text = $"steady {sender.Name} {texts.Count}";
                await sender.SendMessageAsync(room, text);
                texts.Add(text);
                await ticks.WaitForNextTickAsync(stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Done.
        }

        return texts;
    }

    private sealed record Seen(string Id, string User, string Text);

    /// <summary>
    /// The room's messages a watcher receives, in order, until it has seen every one of <paramref name="markers"/>;
    /// it must receive nothing but messages and presence meanwhile.
    /// </summary>
    private static async Task<List<Seen>> MessagesUntilAsync(ChatTestClient watcher, string room, IReadOnlySet<string> markers)
    {
        var messages = new List<Seen>();
        var missing = new HashSet<string>(markers);
        while (missing.Count > 0)
        {
            var frame = await watcher.NextAsync();
            if (Type(frame) == "presence")
            {
                continue;
            }

            Assert.True(IsMessageIn(frame, room), $"{watcher.Name} got {frame}");
            var seen = new Seen(Get(frame, "id"), Get(frame, "user"), Get(frame, "text"));
            messages.Add(seen);
            missing.Remove(seen.Text);
        }

        return messages;
    }

    private static string Get(JsonElement frame, string property) => frame.GetProperty(property).GetString()!;
}
