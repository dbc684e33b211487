using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Chattorum.ChatApi.Accounts;
using Chattorum.Tests.Integration.Deploy;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>
/// <c>scripts/token.sh</c> against a real node, with passwords that JSON must escape. The script runs with a PATH
/// of only the commands it needs (curl, head, tail, sed): no jq, no python.
/// </summary>
public class TokenScriptTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>, IDisposable
{
    private static readonly string Script = Path.Combine(AspireManifestFixture.RepositoryRoot, "scripts", "token.sh");

    private readonly DirectoryInfo _bin = MinimalPath();

    private ChatServer Server => fixture.Server;

    public static TheoryData<string, string> Passwords() => new()
    {
        { "sh_quote", "say \"hello\" twice" },
        { "sh_backslash", @"back\slash\\ and \n not a newline\" },
        { "sh_unicode", "pässwörd 密码 🔑 ǅ" },
        { "sh_mixed", "\"\\\"ü\\\"\"\\" },
        { "sh_newline", "line one\nline two\r\n\ttabbed" },
        { "sh_control", "bell\u0007 escape\u001b unit\u001f del\u007f" },
        { "sh_json", """{"username":"mallory","password":"x"}""" },
        { "sh_format", "%s %d %% %n \\x41 $HOME `id` $(id)" },
        { "sh_dash", "-d @/etc/passwd --next" },
    };

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task The_script_registers_then_logs_in_with_the_exact_password(string user, string password)
    {
        var registered = await RunAsync(user, password);
        Assert.Equal(user, await Server.Get<TokenService>().ValidateAsync(registered));

        // The name is now taken: the script logs in, which only works if the same password arrived again.
        var loggedIn = await RunAsync(user, password);
        Assert.Equal(user, await Server.Get<TokenService>().ValidateAsync(loggedIn));

        // And what the server stored is exactly the password given, not an escaped or cut form of it.
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = user, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task A_refusal_is_reported_on_stderr_with_a_failing_status()
    {
        var (code, output, errors) = await RunRawAsync("sh_refused", "short");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("400", errors, StringComparison.Ordinal);
        Assert.Contains("bad_password", errors, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _bin.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    private async Task<string> RunAsync(string user, string password)
    {
        var (code, output, errors) = await RunRawAsync(user, password);
        Assert.True(code == 0, $"token.sh exited {code}: {errors}");
        Assert.Equal("", errors);
        return output.TrimEnd('\n');
    }

    private async Task<(int Code, string Output, string Errors)> RunRawAsync(string user, string password)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            ArgumentList = { Script, user, password, Server.BaseUri.ToString().TrimEnd('/') },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = _bin.FullName;
        start.Environment["LANG"] = "C.UTF-8";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output, await errors);
    }

    /// <summary>A folder with only the commands the script may use, to serve as its whole PATH.</summary>
    private static DirectoryInfo MinimalPath()
    {
        var bin = Directory.CreateTempSubdirectory("chattorum-token-sh-");
        foreach (var command in new[] { "curl", "head", "tail", "sed" })
        {
            var target = new[] { "/usr/bin", "/bin" }.Select(folder => Path.Combine(folder, command)).FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException($"{command} is missing");
            File.CreateSymbolicLink(Path.Combine(bin.FullName, command), target);
        }

        return bin;
    }
}
