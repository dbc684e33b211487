using System.Diagnostics;
using System.Net.Http.Json;
using Chattorum.LoadTest;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Faults;

/// <summary>Saturation runs alone: it pins its nodes to one CPU, and the rest of the suite would only add noise to both.</summary>
[CollectionDefinition(nameof(SaturationTests), DisableParallelization = true)]
public sealed class SaturationCollection;

/// <summary>
/// The two-node saturation scenario of BENCHMARKS.md, smaller: two node processes and Redis pinned to one CPU,
/// senders as fast as acks allow, so that the nodes fall behind. They must slow the senders, not drop the
/// readers: no connection closed, nothing lost or reordered. A client that stops reading in the same room
/// meanwhile must still be gone within 15 s.
/// </summary>
[Collection(nameof(SaturationTests))]
public class SaturationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DropBound = TimeSpan.FromSeconds(15);
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task Two_saturated_nodes_on_one_core_slow_their_senders_and_drop_only_the_reader_that_stopped()
    {
        await using var redis = await RedisServer.StartAsync();
        (string, string)[] settings = [("Chat__RatePerSecond", "100000"), ("Chat__RateBurst", "1000"), ("Chat__DiagnosticsEndpoint", "true")];
        var nodes = await Task.WhenAll(ChatNodeProcess.StartAsync(redis, settings), ChatNodeProcess.StartAsync(redis, settings));
        try
        {
            await PinAsync(redis.Pid, nodes[0].Process.Pid, nodes[1].Process.Pid);
            var options = new LoadOptions
            {
                Urls = [nodes[0].BaseUri, nodes[1].BaseUri],
                Connections = 100,
                Rooms = 1,
                Senders = 6,
                Rate = null,
                InFlight = 16,
                WarmupSeconds = 2,
                DurationSeconds = 10,
                Size = 100,
                Pids = [nodes[0].Process.Pid, nodes[1].Process.Pid, redis.Pid],
            };

            using var log = new StringWriter();
            var running = LoadRunner.RunAsync(options, TextWriter.Synchronized(log), CancellationToken.None);
            var dropped = await StopReadingInTheRoomAsync(redis, nodes[1]);
            var report = await running.WaitAsync(TimeSpan.FromSeconds(90));

            using var summary = new StringWriter();
            report.WriteSummary(summary);
            output.WriteLine($"{summary}\nthe stopped reader was dropped {dropped.TotalSeconds:0.0} s after it stopped reading");
            Assert.True(report.Passed, $"{summary}\n{log}");
            Assert.Equal((100, 0L, 0L, 0L), (report.Connected, report.Lost, report.Reordered, report.Errors));
            Assert.True(report.Deliveries > 0, summary.ToString());
            Assert.True(dropped < DropBound, $"the stopped reader was dropped after {dropped.TotalSeconds:0.0} s");
            Assert.All(nodes, n => Assert.False(n.HasExited));
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Two nodes and Redis on CPU 0, every thread, as scripts/bench.sh runs them.</summary>
    private static async Task PinAsync(params int[] pids)
    {
        foreach (var pid in pids)
        {
            using var taskset = Process.Start(new ProcessStartInfo("taskset", ["-a", "-p", "-c", "0", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
            await taskset.WaitForExitAsync();
            Assert.Equal(0, taskset.ExitCode);
        }
    }

    /// <summary>
    /// Joins the load run's room once its traffic has started, reads a little, stops reading, and returns how long
    /// the node took to drop it (its connection count back to what it was).
    /// </summary>
    private static async Task<TimeSpan> StopReadingInTheRoomAsync(RedisServer redis, ChatNodeProcess node)
    {
        await using var connection = await RedisFixture.ConnectAsync(redis);
        var server = connection.GetServers()[0];
        string? room = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (room is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the load run never stored a message");
            var stream = server.Keys(pattern: "chattorum:room:{lt-*}:stream").Select(k => (string?)k).FirstOrDefault();
            room = stream?["chattorum:room:{".Length..stream.IndexOf('}', StringComparison.Ordinal)];
            if (room is null)
            {
                await Task.Delay(50);
            }
        }

        var before = await ConnectionsAsync(node);
        await using var stopped = await ConnectRawAsync(node, "sat_stopped", afterAnotherRequest: false);
        await stopped.JoinAsync(room);
        await stopped.CollectAsync(f => IsMessageIn(f, room), 20);
        stopped.PauseReading();
        var clock = Stopwatch.StartNew();
        while (await ConnectionsAsync(node) > before)
        {
            Assert.True(clock.Elapsed < DropBound + TimeSpan.FromSeconds(15), "the stopped reader was never dropped");
            await Task.Delay(100);
        }

        return clock.Elapsed;
    }

    private static async Task<int> ConnectionsAsync(ChatNodeProcess node) =>
        (await Http.GetFromJsonAsync<RuntimeCounts>(new Uri(node.BaseUri, "/diagnostics/runtime")))!.Connections;

    private sealed record RuntimeCounts(int Connections);
}
