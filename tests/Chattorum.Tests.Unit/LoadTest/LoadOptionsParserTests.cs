using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class LoadOptionsParserTests
{
    private static LoadOptions Parse(string commandLine) =>
        LoadOptionsParser.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void Defaults()
    {
        var options = Parse("");
        Assert.Equal([new Uri("http://127.0.0.1:5170")], options.Urls);
        Assert.Equal((100, 1, 1, 5.0, 16), (options.Connections, options.Rooms, options.Senders, options.Rate, options.InFlight));
        Assert.Equal((15.0, 3.0, 100, 50), (options.DurationSeconds, options.WarmupSeconds, options.Size, options.UserCount));
        Assert.Empty(options.Pids);
        Assert.False(options.Idle || options.JsonOnly || options.Help);
        Assert.Equal("fixed-rate", options.Scenario);
        Assert.Same(ChattorumProtocol.Instance, options.Protocol);
    }

    [Fact]
    public void Every_option()
    {
        var options = Parse("--url http://a:1,http://b:2 --url https://c --connections 5000 --rooms 10 --senders 20 --rate max --in-flight 32 " +
                            "--duration 2.5 --warmup 0 --size 2000 --users 7 --pids 12,345 --json-only");
        Assert.Equal([new Uri("http://a:1"), new Uri("http://b:2"), new Uri("https://c")], options.Urls);
        Assert.Equal((5000, 10, 20, (double?)null, 32), (options.Connections, options.Rooms, options.Senders, options.Rate, options.InFlight));
        Assert.Equal((2.5, 0.0, 2000, 7), (options.DurationSeconds, options.WarmupSeconds, options.Size, options.UserCount));
        Assert.Equal([12, 345], options.Pids);
        Assert.True(options.JsonOnly);
        Assert.Equal("max-rate", options.Scenario);
    }

    [Theory]
    [InlineData("--connections 10", 10)]
    [InlineData("--connections 80", 50)]
    [InlineData("--connections 80 --users 80", 80)]
    public void Users_default_to_at_most_fifty(string commandLine, int users) => Assert.Equal(users, Parse(commandLine).UserCount);

    [Theory]
    [InlineData("--rate 2.5", 2.5)]
    [InlineData("--rate 1000", 1000.0)]
    [InlineData("--rate max", null)]
    public void Rates(string commandLine, double? rate) => Assert.Equal(rate, Parse(commandLine).Rate);

    [Theory]
    [InlineData("--idle --connections 3 --senders 9", "idle")]
    [InlineData("--help --bogus", "fixed-rate")]
    public void Modes(string commandLine, string scenario) => Assert.Equal(scenario, Parse(commandLine).Scenario);

    [Theory]
    [InlineData("--frobnicate", "unknown option '--frobnicate'")]
    [InlineData("5", "unknown option '5'")]
    [InlineData("--connections", "--connections needs a value")]
    [InlineData("--connections abc", "--connections must be a whole number from 1 to 100000, not 'abc'")]
    [InlineData("--connections 0", "--connections must be a whole number from 1 to 100000, not '0'")]
    [InlineData("--connections -5", "--connections must be a whole number from 1 to 100000, not '-5'")]
    [InlineData("--connections 100001", "--connections must be a whole number from 1 to 100000, not '100001'")]
    [InlineData("--rooms 5 --connections 2", "--rooms (5) cannot be more than --connections (2)")]
    [InlineData("--connections 2 --senders 3", "--senders (3) cannot be more than --connections (2)")]
    [InlineData("--connections 5 --users 10", "--users (10) cannot be more than --connections (5)")]
    [InlineData("--senders 0", "--senders must be a whole number from 1 to 100000, not '0'")]
    [InlineData("--rate 0", "--rate must be messages a second (above 0, at most 1000000) or 'max', not '0'")]
    [InlineData("--rate fast", "--rate must be messages a second (above 0, at most 1000000) or 'max', not 'fast'")]
    [InlineData("--rate -1", "--rate must be messages a second (above 0, at most 1000000) or 'max', not '-1'")]
    [InlineData("--in-flight 0", "--in-flight must be a whole number from 1 to 100000, not '0'")]
    [InlineData("--duration 0", "--duration must be a number of seconds above 0, at most 86400, not '0'")]
    [InlineData("--duration 1e3", "--duration must be a number of seconds above 0, at most 86400, not '1e3'")]
    [InlineData("--warmup -1", "--warmup must be a number of seconds from 0 to 86400, not '-1'")]
    [InlineData("--size 0", "--size must be a whole number from 1 to 2000, not '0'")]
    [InlineData("--size 2001", "--size must be a whole number from 1 to 2000, not '2001'")]
    [InlineData("--url localhost:5170", "--url must be an http:// or https:// address of a chat node, such as http://127.0.0.1:5170/, not 'localhost:5170'")]
    [InlineData("--url ws://127.0.0.1:5170", "--url must be an http:// or https:// address of a chat node, such as http://127.0.0.1:5170/, not 'ws://127.0.0.1:5170'")]
    [InlineData("--url http://a:1,http://b:2/ws", "--url must be an http:// or https:// address of a chat node, such as http://127.0.0.1:5170/, not 'http://b:2/ws'")]
    [InlineData("--pids 12,abc", "--pids must be process ids separated by commas, not '12,abc'")]
    [InlineData("--pids 0", "--pids must be process ids separated by commas, not '0'")]
    public void Bad_command_lines_say_what_is_wrong(string commandLine, string error) =>
        Assert.Equal(error, Assert.Throws<ArgumentException>(() => Parse(commandLine)).Message);

    [Theory]
    [InlineData("", "chattorum")]
    [InlineData("--protocol chattorum", "chattorum")]
    [InlineData("--protocol gorilla", "gorilla")]
    [InlineData("--protocol gorilla --protocol chattorum", "chattorum")] // the last one given
    [InlineData("--protocol gorilla --rooms 1 --rooms-per-connection 1 --size 512", "gorilla")]
    [InlineData("--protocol gorilla --connections 5 --users 10", "gorilla")] // no users: --users is ignored
    [InlineData("--protocol gorilla --signing-key 0123456789abcdef0123456789abcdef", "gorilla")]
    [InlineData("--protocol gorilla --stopped-readers 1 --rate max", "gorilla")]
    [InlineData("--protocol gorilla --idle --connections 5000", "gorilla")]
    [InlineData("--rooms 3 --size 2000", "chattorum")]
    public void Protocols(string commandLine, string protocol) => Assert.Equal(protocol, Parse(commandLine).Protocol.Name);

    [Theory]
    [InlineData("--protocol", "--protocol needs a value")]
    [InlineData("--protocol Gorilla", "--protocol must be chattorum or gorilla, not 'Gorilla'")]
    [InlineData("--protocol ws", "--protocol must be chattorum or gorilla, not 'ws'")]
    [InlineData("--protocol gorilla --rooms 2", "--protocol gorilla has one room, which every client is in: --rooms must be at most 1, not 2")]
    [InlineData("--rooms 5 --protocol gorilla", "--protocol gorilla has one room, which every client is in: --rooms must be at most 1, not 5")]
    [InlineData("--protocol gorilla --rooms-per-connection 2", "--protocol gorilla has one room, which every client is in: --rooms-per-connection must be at most 1, not 2")]
    [InlineData("--protocol gorilla --rooms 2 --rooms-per-connection 2", "--protocol gorilla has one room, which every client is in: --rooms must be at most 1, not 2")]
    [InlineData("--protocol gorilla --size 513", "--protocol gorilla closes a connection that sends a message over 512 bytes: --size must be at most 512, not 513")]
    [InlineData("--size 2000 --protocol gorilla", "--protocol gorilla closes a connection that sends a message over 512 bytes: --size must be at most 512, not 2000")]
    [InlineData("--connections 5 --users 10", "--users (10) cannot be more than --connections (5)")]
    public void Protocol_mistakes(string commandLine, string error) =>
        Assert.Equal(error, Assert.Throws<ArgumentException>(() => Parse(commandLine)).Message);

    [Fact]
    public async Task The_usage_names_the_protocols()
    {
        using var output = new StringWriter();
        Assert.Equal(0, await LoadCommand.RunAsync(["--help"], output, TextWriter.Null));
        Assert.Contains("--protocol P       the server's protocol: chattorum (default), or gorilla", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--connections x", 2, "--connections must be a whole number")]
    [InlineData("--help", 0, "usage:")]
    public async Task The_command_prints_usage_and_exits_with_its_code(string commandLine, int exitCode, string text)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(exitCode, await LoadCommand.RunAsync(commandLine.Split(' '), output, error));
        Assert.Contains(text, output.ToString() + error.ToString(), StringComparison.Ordinal);
    }
}
