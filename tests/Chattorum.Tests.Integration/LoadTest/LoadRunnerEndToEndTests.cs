using Chattorum.LoadTest;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.LoadTest;

/// <summary>The tool against a real chat node in this process (and its own redis-server).</summary>
public class LoadRunnerEndToEndTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static async Task<(LoadReport Report, string Log)> RunAsync(LoadOptions options)
    {
        using var log = new StringWriter();
        var report = await LoadRunner.RunAsync(options, TextWriter.Synchronized(log), CancellationToken.None).WaitAsync(RunTimeout);
        return (report, log.ToString());
    }

    [Fact]
    public async Task A_short_run_loses_duplicates_and_reorders_nothing()
    {
        var options = new LoadOptions
        {
            Urls = [fixture.Server.BaseUri],
            Connections = 20,
            Rooms = 2,
            Senders = 4,
            Rate = 5,
            WarmupSeconds = 0.5,
            DurationSeconds = 3,
            Pids = [Environment.ProcessId],
        };

        var (report, log) = await RunAsync(options);

        using var summary = new StringWriter();
        report.WriteSummary(summary);
        var context = $"{summary}\n{log}";
        Assert.True(report.Passed, context);
        Assert.Equal((20, 0L, 0L, 0L, 0L, 0L), (report.Connected, report.Lost, report.Duplicated, report.Reordered, report.OrderMismatches, report.Errors));
        // A late sender catches up, so every message due in warm-up and window goes out, however busy the machine;
        // how many of them fall inside the window (late warm-up ones in, late window ones out) is the scheduler's.
        Assert.InRange(report.SentTotal, (4 * 5 * 3.5) - 4, (4 * 5 * 3.5) + 4);
        Assert.InRange(report.Sent, 1, report.SentTotal);
        Assert.Equal(report.SentTotal, report.Acked);

        // Two senders in each room of ten: every message sent in the window reaches the ten connections of its room.
        Assert.Equal(report.Sent * 10, report.Deliveries);
        Assert.Equal(report.Deliveries, report.LatencySamples);
        Assert.InRange(report.P50Ms, 0.001, 1000);
        Assert.True(report.P99Ms >= report.P50Ms && report.MaxMs >= report.P99Ms, context);

        var process = Assert.Single(report.Processes);
        Assert.Equal(Environment.ProcessId, process.Pid);
        Assert.True(process.CpuSeconds > 0 && process.RssMbEnd > 0, context);
        Assert.Contains("measuring", log, StringComparison.Ordinal);
        Assert.Contains("\"deliveriesPerSecond\":", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_run_reports_memory_per_connection()
    {
        var options = new LoadOptions
        {
            Urls = [fixture.Server.BaseUri],
            Connections = 12,
            Rooms = 3,
            Idle = true,
            DurationSeconds = 0.5,
            Pids = [Environment.ProcessId],
        };

        var (report, log) = await RunAsync(options);

        Assert.True(report.Passed, log);
        Assert.Equal(("idle", 12, 0L, 0L), (report.Scenario, report.Connected, report.SentTotal, report.Errors));
        var process = Assert.Single(report.Processes);
        Assert.True(process.RssMbStart > 0 && process.RssMbEnd > 0);
        Assert.Equal(process.RssKbPerConnection, report.RssKbPerConnection);
    }

    [Fact]
    public async Task Flooding_past_the_rate_limit_fails_the_run_without_waiting_for_the_dropped_sender()
    {
        var options = new LoadOptions
        {
            Urls = [fixture.Server.BaseUri],
            Connections = 3,
            Senders = 1,
            Rate = null,
            WarmupSeconds = 0,
            DurationSeconds = 1,
        };

        var (report, log) = await RunAsync(options);

        Assert.False(report.Passed, log);
        Assert.True(report.ErrorCounts.GetValueOrDefault("error:rate_limited") > 0, log);
        Assert.Equal(report.Rejected, report.ErrorCounts["error:rate_limited"]);
        Assert.Equal(0, report.Lost);
        Assert.True(report.DrainSeconds < 5, log);
    }

    [Fact]
    public async Task Connections_alternate_between_two_nodes_that_agree_on_the_order()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = await ChatServer.StartAsync(redis);
        await using var second = await ChatServer.StartAsync(redis);
        var options = new LoadOptions
        {
            Urls = [first.BaseUri, second.BaseUri],
            Connections = 12,
            Rooms = 1,
            Senders = 4,
            Rate = 5,
            WarmupSeconds = 0.5,
            DurationSeconds = 2,
        };

        var (report, log) = await RunAsync(options);

        Assert.True(report.Passed, log);
        Assert.Equal(2, report.Nodes);
        Assert.Equal(report.Sent * 12, report.Deliveries);
        Assert.Equal(0, report.OrderMismatches);
    }
}
