using System.Diagnostics;
using System.Globalization;

namespace Chattorum.Tests.Support;

/// <summary>
/// A chat node as its own process (the built Chattorum.ChatApi), so that a test can kill it for real:
/// SIGKILL, no goodbye, no cleanup.
/// </summary>
public sealed class ChatNodeProcess : IChatEndpoint, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process _process;

    private ChatNodeProcess(Process process, int port)
    {
        _process = process;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseUri { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<ChatNodeProcess> StartAsync(RedisServer redis, params (string Key, string Value)[] settings)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ChatApiAssembly() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ChatApiAssembly())!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__cache"] = redis.ConnectionString;
        start.Environment["Auth__SigningKey"] = TestSecrets.SigningKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new ChatNodeProcess(process, port);
        await node.WaitHealthyAsync();
        return node;
    }

    private async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(BaseUri, "/health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"chat node {BaseUri} did not become healthy (exited: {_process.HasExited})");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: the node vanishes mid-flight.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signals.Terminate(_process.Id);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }

    /// <summary>The ChatApi built beside these tests, in the same configuration.</summary>
    private static string ChatApiAssembly()
    {
        var testBin = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testBin.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var root = new DirectoryInfo(testBin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Chattorum.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root!.FullName, "src", "Chattorum.ChatApi", "bin", configuration, "net10.0", "Chattorum.ChatApi.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build Chattorum.ChatApi first", path);
    }
}
