using System.Diagnostics.Metrics;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// Runs alone: its readers are slow on purpose, a pause before every read, and the node drops a reader whose write
/// stays blocked for <see cref="ChatLimits.WriteStallTimeout"/>. With the rest of the suite in the same process, a
/// starved thread pool can hold a reader's next read that long (a CI run on a busy machine did), which the test
/// would read as the node evicting a reader that was still reading.
/// </summary>
[CollectionDefinition(nameof(SlowReaderTests), DisableParallelization = true)]
public sealed class SlowReaderCollection;

[Collection(nameof(SlowReaderTests))]
public sealed class SlowReaderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Readers_that_read_slowly_slow_the_senders_down_and_lose_nothing()
    {
        const string room = "backpressure-slow";
        const int readerCount = 20, senderCount = 4, inFlight = 16;

        // A node of its own, whose rate limit lets senders go as fast as their acks come (as a load test's would).
        await using var server = await ChatServer.StartAsync("--Chat:RatePerSecond", "100000", "--Chat:RateBurst", "1000");
        using var held = new MetricCollector<double>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.sends.held.duration");
        using var dropped = new MetricCollector<long>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.clients.slow_disconnects");
        using var aborted = new MetricCollector<long>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.clients.stalled_aborts");
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
            Assert.Equal((0L, 0L), (dropped.GetMeasurementSnapshot().EvaluateAsCounter(), aborted.GetMeasurementSnapshot().EvaluateAsCounter()));

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

            Assert.Equal(0, aborted.GetMeasurementSnapshot().EvaluateAsCounter());
        }
        finally
        {
            await Task.WhenAll(readers.Concat(senders).Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
