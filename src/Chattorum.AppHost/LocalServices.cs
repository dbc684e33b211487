using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chattorum.AppHost;

/// <summary>
/// What the local (container-free) Redis and RabbitMQ resources share: finding the Debian binaries,
/// a per-run data folder that is removed when the AppHost stops, and free ports.
/// </summary>
internal static class LocalServices
{
    private const string RunFolderPrefix = "run-";

    /// <summary>
    /// Creates (empty) and returns the data folder of one resource inside this AppHost's run folder
    /// (<c>$TMPDIR/chattorum-apphost/run-PID-GUID</c>, one per application builder, so several AppHosts in one
    /// test process do not share data). The run folder is removed when the AppHost stops, and folders of AppHosts
    /// that died without cleaning up are removed by the next run.
    /// </summary>
    public static string CreateDataFolder(IDistributedApplicationBuilder builder, string resourceName)
    {
        var runFolder = builder.Services
            .Select(descriptor => descriptor.IsKeyedService ? null : descriptor.ImplementationInstance)
            .OfType<RunFolder>()
            .FirstOrDefault();
        if (runFolder is null)
        {
            runFolder = RunFolder.Create();
            builder.Services.AddSingleton(runFolder);
            builder.Services.AddHostedService<RunFolderCleanup>();
        }

        var folder = Path.Combine(runFolder.Path, resourceName);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// Finds an executable: the path in <paramref name="overrideVariable"/> when set, else the first candidate that
    /// exists (absolute, or on PATH). Fails naming the Debian package that provides it, and <paramref name="reason"/>:
    /// why a local process is needed (by default: no container runtime answered).
    /// </summary>
    public static string FindBinary(string resourceName, string overrideVariable, string[] candidates, string debianPackage, string? reason = null)
    {
        if (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } configured)
        {
            candidates = [configured];
        }

        foreach (var candidate in candidates)
        {
            if (Path.IsPathRooted(candidate))
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                continue;
            }

            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var path = Path.Combine(dir, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        if (reason is not null)
        {
            throw new InvalidOperationException(
                $"Resource '{resourceName}': {reason}, and {string.Join(" / ", candidates)} was not found. " +
                $"Install it with `sudo apt-get install -y {debianPackage}` (scripts/run.sh does this), " +
                $"or set {overrideVariable} to the binary.");
        }

        throw new InvalidOperationException(
            $"Resource '{resourceName}': no container runtime answered and {string.Join(" / ", candidates)} was not found. " +
            $"Install it with `sudo apt-get install -y {debianPackage}` (scripts/run.sh does this), " +
            $"set {overrideVariable} to the binary, or start a container runtime such as Docker.");
    }

    /// <summary>A port that is free right now on the loopback interface.</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    internal static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    internal static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a later run sweeps folders whose AppHost is gone.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The folder of one AppHost run under which its local services keep their data.</summary>
    internal sealed class RunFolder
    {
        private RunFolder(string path) => Path = path;

        public string Path { get; }

        public static RunFolder Create()
        {
            var parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chattorum-apphost");
            Directory.CreateDirectory(parent);
            RemoveStaleRuns(parent);

            var path = System.IO.Path.Combine(
                parent,
                string.Create(CultureInfo.InvariantCulture, $"{RunFolderPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"));
            Directory.CreateDirectory(path);
            return new RunFolder(path);
        }

        /// <summary>Removes run folders whose AppHost process (the pid in the name) is gone.</summary>
        private static void RemoveStaleRuns(string parent)
        {
            foreach (var folder in Directory.EnumerateDirectories(parent, RunFolderPrefix + "*"))
            {
                var name = System.IO.Path.GetFileName(folder).AsSpan(RunFolderPrefix.Length);
                var dash = name.IndexOf('-');
                if (dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsAlive(pid))
                {
                    TryDelete(folder);
                }
            }
        }
    }

    /// <summary>
    /// Removes the run folder once the AppHost has stopped (Aspire stops the resources on shutdown; their pid files
    /// are waited on in case DCP ends a process a little later).
    /// </summary>
    private sealed class RunFolderCleanup(RunFolder runFolder, IHostApplicationLifetime lifetime) : IHostedService
    {
        private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(Cleanup);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private void Cleanup()
        {
            if (!Directory.Exists(runFolder.Path))
            {
                return;
            }

            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < MaxWait && LivePids(runFolder.Path).Any())
            {
                Thread.Sleep(250);
            }

            TryDelete(runFolder.Path);
        }

        private static IEnumerable<int> LivePids(string root)
        {
            foreach (var pidFile in Directory.EnumerateFiles(root, "*.pid", SearchOption.AllDirectories))
            {
                string text;
                try
                {
                    text = File.ReadAllText(pidFile).Trim();
                }
                catch (IOException)
                {
                    continue;
                }

                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsAlive(pid))
                {
                    yield return pid;
                }
            }
        }
    }
}
