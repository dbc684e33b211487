using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// A published service started the way its image starts it, without a container runtime: the image's app command
/// (its /app/ paths mapped to the published folder), in that folder, with nothing of the test's environment but the
/// container's (the base image's variables, the image's own, and the settings the Deployment would give), and as
/// the image's non-root user when the tests run as root (setpriv, with no_new_privs as allowPrivilegeEscalation:
/// false sets it); otherwise as the tests' own user, who is not root either.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class ContainerLikeProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 200;
    private const string SetPriv = "/usr/bin/setpriv";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ContainerLikeProcess(Process process, int port)
    {
        _process = process;
        BaseUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseUri { get; }

    /// <summary>Whether the process runs as the image's user (the tests run as root) rather than the tests' own.</summary>
    public static bool SwitchesUser { get; } = Environment.UserName == "root" && File.Exists(SetPriv);

    /// <summary>The last lines the service wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the service. <paramref name="port"/> replaces the image's 8080 in ASPNETCORE_HTTP_PORTS (a shared
    /// machine may have 8080 taken); <paramref name="settings"/> are what the Deployment's ConfigMap and Secret add.
    /// </summary>
    public static ContainerLikeProcess Start(ContainerConfig config, PublishedApp app, int port, params (string Name, string Value)[] settings)
    {
        var command = config.AppCommand.Concat(config.AppCommandArgs)
            .Select(part => part.StartsWith(config.WorkingDirectory, StringComparison.Ordinal)
                ? Path.Combine(app.Folder, part[config.WorkingDirectory.Length..])
                : part)
            .ToList();
        var executable = OnPath(command[0]);

        var start = new ProcessStartInfo(SwitchesUser ? SetPriv : executable)
        {
            WorkingDirectory = app.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (SwitchesUser)
        {
            var uid = ContainerEnvironment.AppUid.ToString(CultureInfo.InvariantCulture);
            foreach (var argument in (string[])[$"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--no-new-privs", "--", executable])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = ContainerEnvironment.RuntimePath;
        start.Environment["HOME"] = app.Home;
        foreach (var (name, value) in ContainerEnvironment.Of(config))
        {
            start.Environment[name] = value;
        }

        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        return new ContainerLikeProcess(Process.Start(start)!, port);
    }

    /// <summary>The user the process runs as (its real uid, from /proc).</summary>
    public int Uid =>
        int.Parse(
            File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status")
                .Single(line => line.StartsWith("Uid:", StringComparison.Ordinal))
                .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    /// <summary>Waits until <paramref name="path"/> answers 200, as a Kubernetes probe would see it.</summary>
    public async Task WaitForAsync(string path)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(BaseUri, path));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            Assert.False(_process.HasExited, $"exited with {(_process.HasExited ? _process.ExitCode : 0)} before {path} answered:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not answer 200 within {StartTimeout.TotalSeconds:0} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM, as the kubelet stops a container; the exit code.</summary>
    public async Task<int> StopAsync()
    {
        Signals.Terminate(_process.Id);
        await _process.WaitForExitAsync().WaitAsync(StopTimeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The command as the container's shell-less exec resolves it: here against the tests' PATH.</summary>
    private static string OnPath(string command) =>
        Path.IsPathRooted(command)
            ? command
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
                .Select(folder => Path.Combine(folder, command))
                .FirstOrDefault(File.Exists)
              ?? throw new FileNotFoundException($"{command} is not on PATH");

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines && _output.TryDequeue(out _))
        {
        }
    }
}
