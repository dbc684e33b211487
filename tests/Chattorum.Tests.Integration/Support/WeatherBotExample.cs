using System.Diagnostics;
using System.Text;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// The example bot in Node.js (examples/weather-bot/bot.js) as its own process. Its npm packages come from its
/// package-lock.json (<c>npm ci</c>, which scripts/test.sh runs; here only if they are missing), never from the tests.
/// </summary>
public sealed class WeatherBotExample : IAsyncDisposable
{
    /// <summary>What the bot prints once it consumes its queue: from then on /weather reaches it.</summary>
    public const string ReadyLine = "weather-bot: consuming chattorum.bot.weather";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(3);
    private static readonly SemaphoreSlim InstallGate = new(1);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WeatherBotExample(Process process) => _process = process;

    public static string Folder { get; } = Path.Combine(Repository.Root, "examples", "weather-bot");

    /// <summary>Everything the bot printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static async Task<WeatherBotExample> StartAsync(string amqpUrl)
    {
        await EnsureInstalledAsync();
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, "bot.js")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Folder,
        };
        start.Environment["AMQP_URL"] = amqpUrl;
        var bot = new WeatherBotExample(Process.Start(start)!);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Record(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (bot._output)
            {
                bot._output.AppendLine(line);
            }

            if (line.StartsWith(ReadyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        bot._process.OutputDataReceived += (_, e) => Record(e.Data);
        bot._process.ErrorDataReceived += (_, e) => Record(e.Data);
        bot._process.BeginOutputReadLine();
        bot._process.BeginErrorReadLine();
        try
        {
            await Task.WhenAny(ready.Task, bot._process.WaitForExitAsync()).WaitAsync(StartTimeout);
            if (!ready.Task.IsCompleted)
            {
                throw new InvalidOperationException($"the weather bot exited before consuming:\n{bot.Output}");
            }
        }
        catch
        {
            await bot.DisposeAsync();
            throw;
        }

        return bot;
    }

    /// <summary>Runs <c>npm ci</c> once when the bot's packages are missing (scripts/test.sh installs them beforehand).</summary>
    private static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "amqplib")))
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = npm.StandardOutput.ReadToEndAsync();
            var errors = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync().WaitAsync(InstallTimeout);
            Assert.True(npm.ExitCode == 0, $"npm ci in {Folder} failed:\n{await output}{await errors}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, as a supervisor stops it: it closes its connection, unacked requests go back to the queue.
            Signals.Terminate(_process.Id);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
