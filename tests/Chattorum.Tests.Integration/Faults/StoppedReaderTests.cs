using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Faults;

/// <summary>Two chat nodes in this process on one Redis, for the stopped-reader tests.</summary>
public sealed class TwoNodesFixture : IAsyncLifetime
{
    public RedisServer Redis { get; private set; } = null!;

    public ChatServer[] Nodes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Nodes = await Task.WhenAll(ChatServer.StartAsync(Redis), ChatServer.StartAsync(Redis));
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// A client that stops reading, on either upgrade path, in a room that twelve senders fill with about 95 two-KB
/// messages a second (issue 9): it must be gone within 15 s, although its socket could hold seconds of that
/// traffic; the readers that keep up, on both nodes, are never closed and lose nothing; and once it comes back
/// with <c>since</c> it gets every message after the last one it read, none skipped.
/// </summary>
public class StoppedReaderTests(TwoNodesFixture fixture, ITestOutputHelper output) : IClassFixture<TwoNodesFixture>
{
    private const int SenderCount = 12;
    private const int ReaderCount = 10;
    private static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(1000.0 * SenderCount / 95);
    private static readonly TimeSpan DropBound = TimeSpan.FromSeconds(15);

    // The stream keeps about 1,000 messages: at 95 a second, a reader dropped within this long resumes without a gap.
    private static readonly TimeSpan NoGapBound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_stops_reading_is_dropped_within_15_s_and_resumes_with_nothing_skipped(bool afterAnotherRequest)
    {
        var path = afterAnotherRequest ? "http" : "listener";
        var room = $"stop-{path}";
        var (stoppedNode, otherNode) = (fixture.Nodes[0], fixture.Nodes[1]);
        using var stalled = new MetricCollector<long>(stoppedNode.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.clients.stalled_aborts");
        using var limits = new MetricCollector<long>(stoppedNode.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.send_queue.limit_reached");

        await using var watcher = await ConnectAsync(otherNode, $"w_{path}");
        await watcher.JoinAsync(room);
        var readers = Enumerable.Range(0, ReaderCount).Select(i => new ResumingClient($"r_{path}{i}", room)).ToList();
        await Task.WhenAll(readers.Select((r, i) => r.ConnectAsync(fixture.Nodes[i % 2])));
        var senders = await Task.WhenAll(Enumerable.Range(0, SenderCount).Select(async i =>
        {
            var sender = await ConnectAsync(fixture.Nodes[i % 2], $"s_{path}{i}");
            await sender.JoinAsync(room);
            return sender;
        }));

        var user = $"stopped_{path}";
        var stopped = await ConnectRawAsync(stoppedNode, user, afterAnotherRequest);
        var ids = new List<string>();
        try
        {
            await stopped.JoinAsync(room);
            using var traffic = new CancellationTokenSource();
            var sending = Task.WhenAll(senders.Select(s => SendSteadilyAsync(s, room, traffic.Token)));

            // It reads for a while, then stops: the last id it took is where it will resume.
            ids.AddRange(MessageIds(await stopped.CollectAsync(f => IsMessageIn(f, room), 20), room));
            stopped.PauseReading();
            var clock = Stopwatch.StartNew();
            await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == user && f.GetProperty("event").GetString() == "left", DropBound + TimeSpan.FromSeconds(5));
            var dropped = clock.Elapsed;
            output.WriteLine($"{path}: the stopped reader was dropped {dropped.TotalSeconds:0.0} s after it stopped reading");
            Assert.True(dropped < DropBound, $"dropped after {dropped.TotalSeconds:0.0} s");

            // What it had in its socket still reads, then the connection ends: aborted, as no close frame could get through.
            stopped.ResumeReading();
            var (status, reason) = await stopped.WaitClosedAsync(TimeSpan.FromSeconds(10));
            Assert.True(status is null or WebSocketCloseStatus.PolicyViolation, $"closed with {status} {reason}");
            ids.AddRange(MessageIds(stopped.Drain(), room));

            await traffic.CancelAsync();
            await sending;
            var endCid = await senders[0].SendMessageAsync(room, "the end");
            Assert.Equal("ack", Type(await senders[0].ReplyToAsync(endCid)));

            // Back with the last id it read: everything after it, then live.
            await using var back = await ConnectAsync(stoppedNode, user);
            var joined = await back.JoinAsync(room, since: ids[^1]);
            var truncated = joined.TryGetProperty("truncated", out var t) && t.GetBoolean();
            var after = new List<JsonElement>();
            while (after.Count == 0 || after[^1].GetProperty("text").GetString() != "the end")
            {
                after.Add(await back.WaitForAsync(f => IsMessageIn(f, room)));
            }

            ids.AddRange(MessageIds(after, room));
            await Task.WhenAll(readers.Select(r => r.ReadUntilAsync("the end")));

            var entries = await StoredAsync(room);
            var stored = entries.Select(e => e.Id.ToString()).ToList();
            if (!truncated)
            {
                // None skipped: from its first message to the end, exactly the stream.
                var first = stored.IndexOf(ids[0]);
                Assert.True(first >= 0, $"its first id {ids[0]} is no longer stored");
                var last = Array.FindIndex(entries, first, e => e["t"] == "the end");
                Assert.Equal(stored[first..(last + 1)], ids);
            }
            else
            {
                // Announced, never silent: only a drop slower than the stream is long may leave a gap; nothing twice.
                Assert.True(dropped > NoGapBound, $"truncated although dropped after {dropped.TotalSeconds:0.0} s");
                Assert.Equal(ids.Count, ids.Distinct().Count());
            }

            // The readers that kept up, on both nodes: never closed, every message in order.
            foreach (var reader in readers)
            {
                Assert.Equal(WebSocketState.Open, reader.Connection.State);
                Assert.False(reader.Truncated);
                StreamAssert.SawTheStreamUpTo(entries, reader, "the end");
            }

            Assert.Equal(1, stalled.GetMeasurementSnapshot().EvaluateAsCounter());
            Assert.Equal(0, limits.GetMeasurementSnapshot().EvaluateAsCounter());
        }
        finally
        {
            await stopped.DisposeAsync();
            await Task.WhenAll(readers.Select(r => r.DisposeAsync().AsTask()));
            await Task.WhenAll(senders.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    /// <summary>One sender's share of the room's traffic: a 2,000-character message every interval until stopped.</summary>
    private static async Task SendSteadilyAsync(ChatTestClient sender, string room, CancellationToken stop)
    {
        using var pace = new PeriodicTimer(SendInterval);
        var n = 0;
        try
        {
            while (await pace.WaitForNextTickAsync(stop))
            {
                var text = $"{sender.Name} {n++} ";
                await sender.SendMessageAsync(room, text + new string('z', ChatLimits.MaxTextLength - text.Length));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static IEnumerable<string> MessageIds(IEnumerable<JsonElement> frames, string room) =>
        frames.Where(f => IsMessageIn(f, room)).Select(f => f.GetProperty("id").GetString()!);

    private async Task<StackExchange.Redis.StreamEntry[]> StoredAsync(string room)
    {
        await using var redis = await RedisFixture.ConnectAsync(fixture.Redis);
        return await redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
    }
}
