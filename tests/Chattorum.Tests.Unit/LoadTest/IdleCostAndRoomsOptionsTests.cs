using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>The load tool's options for the idle-cost and many-rooms scenarios: rooms per connection, Redis, signing key, idle cost.</summary>
public class IdleCostAndRoomsOptionsTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";

    private static LoadOptions Parse(string commandLine) =>
        LoadOptionsParser.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void Defaults()
    {
        var options = Parse("");
        Assert.Equal(1, options.RoomsPerConnection);
        Assert.Empty(options.RedisEndpoints);
        Assert.Null(options.SigningKey);
        Assert.False(options.IdleCost || options.Holds);
    }

    [Theory]
    [InlineData("--idle-cost --connections 500 --users 500 --rooms 100", "idle-cost", 500, 100, 1)]
    [InlineData("--idle-cost --connections 4000 --users 4000 --rooms 2400 --rooms-per-connection 3", "idle-cost", 4000, 2400, 3)]
    [InlineData("--connections 20000 --users 20000 --rooms 4000 --senders 4000 --rate 1", "fixed-rate", 20000, 4000, 1)]
    [InlineData("--idle-cost --scenario idle-500", "idle-500", 50, 1, 1)]
    [InlineData("--rooms 32 --connections 32 --rooms-per-connection 32", "fixed-rate", 32, 32, 32)]
    public void Scenarios(string commandLine, string scenario, int users, int rooms, int perConnection)
    {
        var options = Parse(commandLine);
        Assert.Equal((scenario, users, rooms, perConnection), (options.Scenario, options.UserCount, options.Rooms, options.RoomsPerConnection));
    }

    [Theory]
    [InlineData("--idle-cost --connections 3 --senders 9")] // idle: no senders, so no limit on them
    [InlineData("--idle --connections 3 --senders 9")]
    public void Idle_runs_send_nothing(string commandLine) => Assert.True(Parse(commandLine).Holds);

    [Theory]
    [InlineData("--redis 127.0.0.1:6379", "127.0.0.1:6379")]
    [InlineData("--redis 10.0.0.1:7000,10.0.0.2:7001 --redis 10.0.0.3:7002", "10.0.0.1:7000 10.0.0.2:7001 10.0.0.3:7002")]
    [InlineData("--redis [::1]:6380", "[::1]:6380")]
    [InlineData("--redis cache:6379", "cache:6379")]
    public void Redis_servers(string commandLine, string servers) =>
        Assert.Equal(servers, string.Join(' ', Parse(commandLine).RedisEndpoints));

    [Theory]
    [InlineData("--signing-key " + Key, Key)]
    [InlineData("--signing-key " + Key + "x", Key + "x")]
    public void Signing_keys(string commandLine, string key) => Assert.Equal(key, Parse(commandLine).SigningKey);

    [Theory]
    [InlineData("--rooms-per-connection 0", "--rooms-per-connection must be a whole number from 1 to 32, not '0'")]
    [InlineData("--rooms-per-connection 33", "--rooms-per-connection must be a whole number from 1 to 32, not '33'")]
    [InlineData("--rooms-per-connection", "--rooms-per-connection needs a value")]
    [InlineData("--rooms 2 --rooms-per-connection 3", "--rooms-per-connection (3) cannot be more than --rooms (2): a connection's rooms are distinct")]
    [InlineData("--redis", "--redis needs a value")]
    [InlineData("--redis 127.0.0.1", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not '127.0.0.1'")]
    [InlineData("--redis :6379", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not ':6379'")]
    [InlineData("--redis a:0", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not 'a:0'")]
    [InlineData("--redis a:65536", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not 'a:65536'")]
    [InlineData("--redis a:1,b", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not 'b'")]
    [InlineData("--redis redis://a:6379", "--redis must be HOST:PORT of a Redis server, or several separated by commas, not 'redis://a:6379'")]
    [InlineData("--signing-key short", "--signing-key must be the nodes' Auth:SigningKey, at least 32 bytes (this one is 5)")]
    [InlineData("--signing-key", "--signing-key needs a value")]
    [InlineData("--idle --idle-cost", "--idle and --idle-cost are two different runs: give one")]
    public void Bad_command_lines_say_what_is_wrong(string commandLine, string error) =>
        Assert.Equal(error, Assert.Throws<ArgumentException>(() => Parse(commandLine)).Message);

    [Theory]
    [InlineData("Max open files            20000                20000                files     ", 20000L)]
    [InlineData("Max open files            1024                 1048576              files     ", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     ", null)]
    [InlineData("Max processes             96364                96364                processes ", null)]
    public void The_open_files_limit_is_the_soft_one(string line, long? limit) =>
        Assert.Equal(limit, OpenFilesLimit.Parse($"Limit                     Soft Limit           Hard Limit           Units     \n{line}\n"));

    [Theory]
    [InlineData(20_000, 20_000L, false)]
    [InlineData(19_744, 20_000L, true)]
    [InlineData(20_000, 65_536L, true)]
    [InlineData(20_000, null, true)]
    public void A_run_needs_a_socket_per_connection_and_some_to_spare(int connections, long? limit, bool possible)
    {
        var refused = Record.Exception(() => OpenFilesLimit.Check(connections, limit));
        Assert.Equal(possible, refused is null);
        if (refused is not null)
        {
            Assert.Contains("ulimit -n", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_usage_lists_the_new_options()
    {
        using var output = new StringWriter();
        Assert.Equal(0, await LoadCommand.RunAsync(["--help"], output, TextWriter.Null));
        foreach (var option in new[] { "--rooms-per-connection", "--redis HOST:PORT", "--signing-key KEY", "--idle-cost" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }
}
