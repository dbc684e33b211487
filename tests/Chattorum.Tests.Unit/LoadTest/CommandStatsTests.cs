using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>The load tool's reading of Redis's <c>INFO commandstats</c>, from the shapes real servers answer with.</summary>
public class CommandStatsTests
{
    // Redis 7.0.15 (Debian 12), as INFO commandstats answers it: CRLF line ends, subcommands with '|'.
    private const string Redis7 =
        "# Commandstats\r\n" +
        "cmdstat_zadd:calls=2000,usec=4810,usec_per_call=2.40,rejected_calls=0,failed_calls=0\r\n" +
        "cmdstat_evalsha:calls=1200,usec=20311,usec_per_call=16.93,rejected_calls=0,failed_calls=0\r\n" +
        "cmdstat_info:calls=3,usec=290,usec_per_call=96.67,rejected_calls=0,failed_calls=0\r\n" +
        "cmdstat_client|setname:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n" +
        "cmdstat_config|get:calls=1,usec=53,usec_per_call=53.00,rejected_calls=0,failed_calls=0\r\n";

    // Redis 6.0 stops after usec_per_call; LF only, as some proxies pass it on.
    private const string Redis6 =
        "# Commandstats\n" +
        "cmdstat_get:calls=2,usec=15,usec_per_call=7.50\n" +
        "cmdstat_publish:calls=40,usec=120,usec_per_call=3.00\n";

    // A whole INFO everything: the other sections' lines (errorstats, latencystats, keyspace) are not commands.
    private const string WholeInfo =
        "# Server\r\nredis_version:7.0.15\r\nprocess_id:10658\r\n\r\n" +
        "# Commandstats\r\n" +
        "cmdstat_set:calls=1,usec=26,usec_per_call=26.00,rejected_calls=0,failed_calls=1\r\n\r\n" +
        "# Errorstats\r\nerrorstat_WRONGTYPE:count=1\r\n\r\n" +
        "# Latencystats\r\nlatency_percentiles_usec_set:p50=26.111,p99=26.111,p99.9=26.111\r\n\r\n" +
        "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n";

    public static TheoryData<string, string, long> Shapes => new()
    {
        { "redis 7", Redis7, 3205 },
        { "redis 6", Redis6, 42 },
        { "whole INFO", WholeInfo, 1 },
        { "a fresh server's first INFO", "# Commandstats\r\n", 0 },
        { "nothing", "", 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Totals_of_real_answers(string shape, string info, long total) =>
        Assert.True(CommandStats.Parse(info).Total == total, shape);

    [Theory]
    [InlineData("evalsha", 1200)]
    [InlineData("client|setname", 1)]
    [InlineData("config|get", 1)]
    [InlineData("info", 3)]
    [InlineData("get", 0)]
    public void Commands_and_subcommands_are_counted_by_name(string command, long calls) =>
        Assert.Equal(calls, CommandStats.Parse(Redis7).Calls.GetValueOrDefault(command));

    [Theory]
    [InlineData("cmdstat_get:usec=15,calls=2")]
    [InlineData("cmdstat_get:calls=abc,usec=15")]
    [InlineData("cmdstat_get:calls=-1,usec=15")]
    [InlineData("cmdstat_get")]
    [InlineData("cmdstat_:calls=1")]
    public void A_malformed_command_line_is_refused(string line) =>
        Assert.Throws<FormatException>(() => CommandStats.Parse($"# Commandstats\r\n{line}\r\n"));

    public static TheoryData<string, string, string, string, bool> Windows => new()
    {
        // name, start, end, expected window (command=calls, sorted), went back
        { "steady", "zadd=10,info=1", "zadd=25,info=2,evalsha=4", "evalsha=4,info=1,zadd=15", false },
        { "nothing happened", "zadd=10", "zadd=10", "", false },
        { "a new command", "", "ping=3", "ping=3", false },
        { "restarted: counts from zero", "zadd=100,ping=5", "zadd=7,ping=5", "zadd=7", true },
        { "reset: a command gone", "zadd=100,ping=5", "ping=6", "ping=1", true },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void The_window_is_the_difference_command_by_command(string name, string start, string end, string window, bool wentBack)
    {
        var since = Stats(end).Since(Stats(start), out var back);
        Assert.True(Format(since) == window, $"{name}: {Format(since)}");
        Assert.Equal(wentBack, back);
    }

    [Theory]
    [InlineData("info=3,zadd=2", 1, "info=2,zadd=2")]
    [InlineData("info=1,zadd=2", 1, "zadd=2")]
    [InlineData("info=1,zadd=2", 2, "zadd=2")]
    [InlineData("zadd=2", 1, "zadd=2")]
    public void The_tools_own_info_is_taken_out(string stats, long own, string left) =>
        Assert.Equal(left, Format(Stats(stats).Without("info", own)));

    [Fact]
    public void The_servers_of_a_cluster_add_up()
    {
        var sum = Stats("zadd=2,ping=1").Plus(Stats("zadd=3,xadd=4")).Plus(CommandStats.Empty);
        Assert.Equal("ping=1,xadd=4,zadd=5", Format(sum));
        Assert.Equal(10, sum.Total);
    }

    [Fact]
    public void The_top_commands_come_most_called_first_and_ties_by_name()
    {
        var top = Stats("time=5,zadd=9,evalsha=5,ping=1").Top(3);
        Assert.Equal(["zadd", "evalsha", "time"], top.Select(c => c.Key));
        Assert.Equal([9L, 5, 5], top.Select(c => c.Value));
    }

    private static CommandStats Stats(string calls) =>
        CommandStats.Parse(string.Concat(calls.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('='))
            .Select(c => $"cmdstat_{c[0]}:calls={c[1]},usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n")));

    private static string Format(CommandStats stats) =>
        string.Join(',', stats.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
}
