using System.Diagnostics;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>
/// The Redis part of the load tool's report: the window's commands added up over the <c>--redis</c> servers, and
/// server by server with each one's share (how evenly a cluster's shards share the rooms), from counts alone.
/// </summary>
public class RedisReportTests
{
    private static readonly RedisEndpoint[] Three = [new("127.0.0.1", 23484), new("127.0.0.1", 23485), new("127.0.0.1", 23486)];

    public static TheoryData<string, string[], string> Shares => new()
    {
        // name, each server's window (command=calls), expected "commands:share" per server
        { "one server has it all", ["evalsha=30,xadd=30"], "60:100" },
        { "even thirds", ["evalsha=10", "evalsha=10", "evalsha=10"], "10:33.3,10:33.3,10:33.3" },
        { "three busy shards, not quite even", ["xadd=1761", "xadd=1700", "xadd=1812"], "1761:33.4,1700:32.2,1812:34.4" },
        { "one shard idle", ["xadd=3,spublish=3", "", "xadd=2"], "6:75,0:0,2:25" },
        { "nothing anywhere", ["", "", ""], "0:0,0:0,0:0" },
        { "a hot shard", ["wait=1,evalsha=996", "evalsha=1", "evalsha=2"], "997:99.7,1:0.1,2:0.2" },
    };

    [Theory]
    [MemberData(nameof(Shares))]
    public void Each_servers_commands_and_share_of_the_total(string name, string[] windows, string expected)
    {
        var servers = Three[..windows.Length];
        var counts = RedisReport.PerServerCounts(servers, [.. windows.Select(Stats)], seconds: 2);

        Assert.True(Format(counts) == expected, $"{name}: {Format(counts)}");
        Assert.Equal(servers.Select(s => s.ToString()), counts.Select(c => c.Server));
        Assert.Equal(counts.Select(c => Math.Round(c.Commands / 2.0, 1)), counts.Select(c => c.PerSecond));
    }

    public static TheoryData<string, string[], string[], string, bool> Windows => new()
    {
        // name, each server's counts at the start, at the end, expected windows ("|" between servers), went back
        { "the tool's INFO at the start counts on every server", ["info=1", "info=4", "info=9"], ["info=2", "info=5", "info=10"], "||", false },
        {
            "steady traffic on three shards",
            ["evalsha=10,info=1", "evalsha=5,info=1", "info=1"],
            ["evalsha=40,wait=6,info=2", "evalsha=15,info=2", "evalsha=3,info=2"],
            "evalsha=30,wait=6|evalsha=10|evalsha=3",
            false
        },
        { "one shard restarted", ["xadd=100,info=3", "xadd=100,info=3"], ["xadd=150,info=4", "xadd=20,info=1"], "xadd=50|xadd=20", true },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Each_servers_window_is_its_own_difference_less_the_tools_info(string name, string[] start, string[] end, string expected, bool wentBack)
    {
        var windows = RedisReport.Windows([.. start.Select(Stats)], [.. end.Select(Stats)], out var back);
        Assert.True(string.Join('|', windows.Select(FormatCalls)) == expected, $"{name}: {string.Join('|', windows.Select(FormatCalls))}");
        Assert.Equal(wentBack, back);
    }

    [Fact]
    public void Readings_of_different_server_counts_are_refused() =>
        Assert.Throws<ArgumentException>(() => RedisReport.Windows([Stats("")], [Stats(""), Stats("")], out _));

    [Fact]
    public void Servers_and_windows_must_pair_up() =>
        Assert.Throws<ArgumentException>(() => RedisReport.PerServerCounts(Three, [Stats("")], seconds: 1));

    [Fact]
    public void The_totals_are_the_servers_added_up_and_the_shares_make_the_whole()
    {
        var start = Snapshot(seconds: 0, "evalsha=10,info=1", "evalsha=10,info=1", "info=1");
        var end = Snapshot(seconds: 2, "evalsha=30,spublish=20,info=2", "evalsha=25,spublish=15,info=2", "evalsha=5,spublish=5,info=2");

        var report = RedisReport.From(start, end, Three, deliveries: 200)!;

        Assert.Equal(80, report.Commands);
        Assert.Equal(40, report.CommandsPerSecond);
        Assert.Equal(0.4, report.CommandsPerDelivery);
        Assert.Equal(["evalsha", "spublish"], report.Top.Select(c => c.Command));
        Assert.Equal([40L, 40], report.Top.Select(c => c.Calls));
        Assert.Equal("40:50,30:37.5,10:12.5", Format(report.PerServer));
        Assert.Equal(report.Commands, report.PerServer.Sum(s => s.Commands));
        Assert.False(report.CountsWentBack);
    }

    [Fact]
    public void Without_redis_there_is_no_report() =>
        Assert.Null(RedisReport.From(new ServerSnapshot([], null, default, 0), new ServerSnapshot([], null, default, 1), [], deliveries: 1));

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    public void The_summary_lists_the_shards_when_there_are_several(int servers, bool listed)
    {
        var calls = new[] { "xadd=1761", "xadd=1700", "xadd=1812" }[..servers];
        var start = Snapshot(0, [.. calls.Select(_ => "")]);
        var end = Snapshot(10, calls);
        var report = new LoadReport { Scenario = "test", RunId = "r", Redis = RedisReport.From(start, end, Three[..servers], deliveries: null) };

        var text = new StringWriter();
        report.WriteSummary(text);

        Assert.Equal(listed, text.ToString().Contains("redis shards", StringComparison.Ordinal));
        if (listed)
        {
            Assert.Contains(
                "\n  redis shards 127.0.0.1:23484 1,761 (33.4 %), 127.0.0.1:23485 1,700 (32.2 %), 127.0.0.1:23486 1,812 (34.4 %)\n",
                text.ToString(),
                StringComparison.Ordinal);
        }

        Assert.Contains("\"perServer\":[{\"server\":\"127.0.0.1:23484\",\"commands\":1761,\"perSecond\":176.1,\"sharePercent\":", report.ToJson(), StringComparison.Ordinal);
    }

    private static ServerSnapshot Snapshot(double seconds, params string[] calls) =>
        new([], [.. calls.Select(Stats)], default, (long)(seconds * Stopwatch.Frequency));

    private static CommandStats Stats(string calls) =>
        CommandStats.Parse(string.Concat(calls.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('='))
            .Select(c => $"cmdstat_{c[0]}:calls={c[1]},usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n")));

    private static string Format(IEnumerable<RedisServerCount> counts) =>
        string.Join(',', counts.Select(c => FormattableString.Invariant($"{c.Commands}:{c.SharePercent}")));

    private static string FormatCalls(CommandStats stats) =>
        string.Join(',', stats.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
}
