using System.Diagnostics;
using System.Globalization;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One of our services as its own process (the built project, in the tests' configuration), so that a test can
/// kill it for real (SIGKILL: no goodbye, no cleanup), stop it the way an operator would (SIGTERM), and start
/// it again on the same port with the same settings.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly string _project;
    private readonly IReadOnlyList<(string Key, string Value)> _settings;
    private Process _process = null!;

    private ServiceProcess(string project, int port, IReadOnlyList<(string Key, string Value)> settings)
    {
        _project = project;
        _settings = settings;
        BaseUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    public Uri BaseUri { get; }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>Starts the project's built assembly with these environment settings and waits for its /health.</summary>
    public static async Task<ServiceProcess> StartAsync(string project, params (string Key, string Value)[] settings)
    {
        var service = new ServiceProcess(project, FreePort.Next(), settings);
        await service.LaunchAsync();
        return service;
    }

    private async Task LaunchAsync()
    {
        var assembly = Assembly(_project);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.Environment["ASPNETCORE_URLS"] = BaseUri.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start)!;

        // CHATTORUM_SERVICE_LOGS names a folder to keep every service's output in, one file per process.
        if (Environment.GetEnvironmentVariable("CHATTORUM_SERVICE_LOGS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            var log = TextWriter.Synchronized(new StreamWriter(Path.Combine(folder, $"{_project}-{BaseUri.Port}-{_process.Id}.log")) { AutoFlush = true });
            _process.OutputDataReceived += (_, e) => log.WriteLine(e.Data);
            _process.ErrorDataReceived += (_, e) => log.WriteLine(e.Data);
        }
        else
        {
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitHealthyAsync();
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
                throw new InvalidOperationException($"{_project} at {BaseUri} did not become healthy (exited: {_process.HasExited})");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: the process vanishes mid-flight.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod: the service shuts down gracefully.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            Signals.Terminate(_process.Id);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                _process.Kill();
                throw new InvalidOperationException($"{_project} at {BaseUri} ignored SIGTERM for {StopTimeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>Starts the stopped or killed service again, on the same port, and waits until it is healthy.</summary>
    public async Task StartAgainAsync()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"{_project} at {BaseUri} is still running");
        }

        _process.Dispose();
        await LaunchAsync();
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

    /// <summary>The project's assembly, built beside these tests in the same configuration.</summary>
    private static string Assembly(string project)
    {
        var testBin = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testBin.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var root = new DirectoryInfo(testBin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Chattorum.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root!.FullName, "src", project, "bin", configuration, "net10.0", $"{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build {project} first", path);
    }
}
