using Chattorum.LoadTest;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.LoadTest;

/// <summary>
/// The idle-cost and many-rooms runs against a real chat node in this process and its own redis-server, with
/// tokens the tool makes from the node's signing key and the Redis commands read from INFO commandstats.
/// </summary>
public sealed class IdleCostAndManyRoomsEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private RedisServer? _redis;
    private ChatServer? _node;

    private RedisServer Redis => _redis ?? throw new InvalidOperationException("not started");

    private ChatServer Node => _node ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _node = await ChatServer.StartAsync(_redis);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private LoadOptions Options => new()
    {
        Urls = [Node.BaseUri],
        RedisEndpoints = [new RedisEndpoint("127.0.0.1", Redis.Port)],
        SigningKey = TestSecrets.SigningKey,
        Pids = [Environment.ProcessId],
    };

    private static async Task<(LoadReport Report, string Text)> RunAsync(LoadOptions options)
    {
        using var log = new StringWriter();
        var report = await LoadRunner.RunAsync(options, TextWriter.Synchronized(log), CancellationToken.None).WaitAsync(RunTimeout);
        using var summary = new StringWriter();
        report.WriteSummary(summary);
        return (report, $"{summary}\n{report.ToJson()}\n{log}");
    }

    [Fact]
    public async Task An_idle_cost_run_reports_redis_commands_a_second_and_cpu()
    {
        var options = Options with
        {
            IdleCost = true,
            Connections = 30,
            Users = 30,
            Rooms = 10,
            RoomsPerConnection = 3,
            WarmupSeconds = 0.5,
            DurationSeconds = 2,
        };

        var (report, text) = await RunAsync(options);

        Assert.True(report.Passed, text);
        Assert.Equal(("idle-cost", true, 30, 30, 3, true), (report.Scenario, report.IdleCost, report.Connected, report.Users, report.RoomsPerConnection, report.MintedTokens));
        Assert.Equal(0, report.SentTotal);

        var redis = Assert.IsType<RedisReport>(report.Redis);
        Assert.Equal([$"127.0.0.1:{Redis.Port}"], redis.Servers);
        Assert.InRange(redis.Seconds, 1.9, 10);
        Assert.InRange(redis.Top.Sum(c => c.Calls), 0, redis.Commands);
        Assert.Equal(redis.Top.OrderByDescending(c => c.Calls).Select(c => c.Calls), redis.Top.Select(c => c.Calls));
        Assert.Equal(Math.Round(redis.Commands / redis.Seconds, 1), redis.CommandsPerSecond, 0.2);
        Assert.Null(redis.CommandsPerDelivery);
        Assert.DoesNotContain(redis.Top, c => c.Command == RedisStatsReader.OwnCommand);

        var process = Assert.Single(report.Processes);
        Assert.True(process.CpuPercent >= 0 && process.RssMbEnd > 0, text);
        Assert.Contains($"commands in {redis.Seconds:0.0} s: {redis.CommandsPerSecond:N1}/s", text, StringComparison.Ordinal);
        Assert.Contains("% of a core", text, StringComparison.Ordinal);
        Assert.True(report.Tool is { CpuPercent: >= 0, RssMb: > 0 }, text);
        Assert.Contains("load tool    cpu", text, StringComparison.Ordinal);
        Assert.Contains("\"commandsPerSecond\":", text, StringComparison.Ordinal);
        Assert.Contains("\"cpuPercent\":", text, StringComparison.Ordinal);
        Assert.Contains("measuring idle", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_rooms_with_one_sender_each_lose_nothing_and_count_redis_commands_per_delivery()
    {
        var options = Options with
        {
            Connections = 40,
            Users = 40,
            Rooms = 8,
            Senders = 8,
            Rate = 2,
            WarmupSeconds = 0.5,
            DurationSeconds = 2,
        };

        var (report, text) = await RunAsync(options);

        Assert.True(report.Passed, text);
        Assert.Equal((40, 0L, 0L, 0L, 0L), (report.Connected, report.Lost, report.Duplicated, report.Reordered, report.OrderMismatches));
        Assert.Equal(report.SentTotal, report.Acked);

        // Sender i in room i, rooms of 5: every message sent in the window reaches the 5 connections of its room.
        Assert.Equal(report.Sent * 5, report.Deliveries);
        var redis = Assert.IsType<RedisReport>(report.Redis);
        Assert.True(redis.Commands > 0, text);
        Assert.Equal(Math.Round(redis.Commands / (double)report.Deliveries, 3), redis.CommandsPerDelivery);
        Assert.Contains("per delivered message", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Senders_in_connections_of_several_rooms_are_tracked_per_room()
    {
        var options = Options with
        {
            Connections = 12,
            Users = 12,
            Rooms = 4,
            RoomsPerConnection = 2,
            Senders = 4,
            Rate = 2,
            WarmupSeconds = 0.5,
            DurationSeconds = 1.5,
        };

        var (report, text) = await RunAsync(options);

        Assert.True(report.Passed, text);
        Assert.Equal((0L, 0L, 0L, 0L), (report.Lost, report.Reordered, report.OrderMismatches, report.IdRegressions));

        // 12 connections x 2 rooms over 4 rooms: 6 members a room; senders 0 to 3 send to rooms 0, 2, 0, 2.
        Assert.Equal(report.Sent * 6, report.Deliveries);
    }
}
