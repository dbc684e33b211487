using System.Globalization;
using System.Text.RegularExpressions;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.Clients;

/// <summary>
/// The JavaScript client (clients/js) proven by its own tests, Node's test runner, against a real chat node with a
/// Redis of its own: its unit tests and, with <c>CHATTORUM_URL</c> set to the node, the ones that connect to it.
/// </summary>
[Trait("Category", "Clients")]
public sealed partial class JavaScriptClientTests(ChatServerFixture node, ITestOutputHelper output) : IClassFixture<ChatServerFixture>
{
    /// <summary>The variable the client's tests read the node's address from (clients/js/test/node.test.js).</summary>
    public const string UrlVariable = "CHATTORUM_URL";

    /// <summary>Turns on the WebSocket of Node 20.10 to 21 (Node 22 has it by default; older ones have none).</summary>
    private const string WebSocketFlag = "--experimental-websocket";

    private const string HasWebSocket = "process.exit(typeof WebSocket === 'function' ? 0 : 1)";

    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMinutes(3);

    private static string Folder { get; } = Path.Combine(Repository.Root, "clients", "js");

    [Fact]
    public async Task The_client_tests_pass_against_a_real_node()
    {
        var arguments = new List<string>(await WebSocketFlagsAsync());

        // The test files by name: a folder argument means different things to Node 20 and Node 22.
        arguments.AddRange(["--test", "--test-reporter=tap"]);
        arguments.AddRange(Directory.GetFiles(Path.Combine(Folder, "test"), "*.test.js")
            .Order(StringComparer.Ordinal)
            .Select(path => Path.GetRelativePath(Folder, path)));

        var (exitCode, text) = await RunNodeAsync(arguments, new() { [UrlVariable] = node.Server.BaseUri.ToString() });
        output.WriteLine(text);

        Assert.True(exitCode == 0, $"node {string.Join(' ', arguments)} exited with {exitCode}:\n{text}");
        Assert.True(Summary(text, "fail") == 0 && Summary(text, "cancelled") == 0, text);
        Assert.True(Summary(text, "skipped") == 0, $"tests were skipped: was {UrlVariable} passed?\n{text}");
        Assert.True(Summary(text, "pass") > 0, text);
        Assert.Matches(LiveTest(), text);
    }

    /// <summary>A figure of the test runner's closing summary, e.g. <c># pass 56</c>.</summary>
    private static int Summary(string tap, string name)
    {
        var match = Regex.Match(tap, $@"(?m)^# {name} (\d+)$");
        Assert.True(match.Success, $"no '# {name}' in node's output:\n{tap}");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>One of the tests that need the node, passed (not skipped).</summary>
    [GeneratedRegex(@"(?m)^ok \d+ - after a forced disconnect the client reconnects by itself and gets what it missed exactly once$")]
    private static partial Regex LiveTest();

    /// <summary>What this Node needs to have a WebSocket: nothing, or the flag; asked of node itself rather than worked out from its version.</summary>
    private static async Task<string[]> WebSocketFlagsAsync()
    {
        if ((await RunNodeAsync(["-e", HasWebSocket], [])).ExitCode == 0)
        {
            return [];
        }

        if ((await RunNodeAsync([WebSocketFlag, "-e", HasWebSocket], [])).ExitCode == 0)
        {
            return [WebSocketFlag];
        }

        var (_, version) = await RunNodeAsync(["--version"], []);
        Assert.Fail($"node {version.Trim()} has no WebSocket, even with {WebSocketFlag}: the client's tests need Node.js 20.10 or later");
        return [];
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(IEnumerable<string> arguments, Dictionary<string, string> environment)
    {
        var result = await ToolProcess.RunAsync("node", arguments, NodeTimeout, "install Node.js (scripts/test.sh does)", Folder, environment);
        return (result.ExitCode, result.Output);
    }
}
