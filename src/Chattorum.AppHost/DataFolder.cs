using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chattorum.AppHost;

/// <summary>
/// The AppHost settings that keep Redis's and RabbitMQ's data across runs, like a persistent volume:
/// <c>Chattorum:DataFolder</c> names a folder (<c>scripts/run.sh</c> passes <c>${XDG_DATA_HOME:-~/.local/share}/chattorum</c>)
/// under which Redis keeps its append-only file (<c>cache/</c>) and RabbitMQ its node (<c>messaging/</c>), and
/// <c>Chattorum:Fresh</c> = <c>true</c> empties those two folders before the start (<c>scripts/run.sh --fresh</c>).
/// Without a data folder (the default, and what tests use) each run keeps its data in a temporary folder removed when
/// the AppHost stops. Ignored in publish mode (the manifest describes volumes of its own) and for the Redis Cluster mode,
/// whose nodes take new ports every run and so always start empty.
/// </summary>
internal static class DataFolder
{
    public const string ConfigurationKey = "Chattorum:DataFolder";

    public const string FreshKey = "Chattorum:Fresh";

    /// <summary>The same keys as environment variables (configuration's <c>__</c> for <c>:</c>).</summary>
    public const string EnvironmentVariable = "Chattorum__DataFolder";

    public const string FreshEnvironmentVariable = "Chattorum__Fresh";

    private const string LockFileName = ".apphost.lock";

    private static readonly TimeSpan MaxWaitForPreviousRun = TimeSpan.FromSeconds(20);

    /// <summary>The configured folder as a full path, or null when the AppHost keeps nothing (or in publish mode).</summary>
    public static string? Root(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode || builder.Configuration[ConfigurationKey] is not { Length: > 0 } configured)
        {
            return null;
        }

        return Path.GetFullPath(configured);
    }

    /// <summary>
    /// The kept folder of one resource (<c>{root}/{resourceName}</c>), created if missing and emptied first when
    /// <c>Chattorum:Fresh</c> is on. The first call takes the data folder for this AppHost: a second AppHost on the
    /// same folder fails here instead of running a second Redis on the same append-only file.
    /// </summary>
    public static string ForResource(IDistributedApplicationBuilder builder, string root, string resourceName)
    {
        var held = builder.Services
            .Select(descriptor => descriptor.IsKeyedService ? null : descriptor.ImplementationInstance)
            .OfType<Lock>()
            .FirstOrDefault();
        if (held is null)
        {
            held = Lock.Take(root);
            builder.Services.AddSingleton(held);
            builder.Services.AddHostedService<LockRelease>();
            Console.WriteLine(
                $"Chattorum: Redis and RabbitMQ keep their data in {root} ({(IsFresh(builder) ? "emptied first: " + FreshKey + " is on" : "kept across runs")}).");
        }

        var folder = Path.Combine(root, resourceName);
        if (IsFresh(builder) && held.Emptied.Add(resourceName))
        {
            WaitForProcesses(folder);
            LocalServices.TryDelete(folder);
            if (Directory.Exists(folder))
            {
                throw new InvalidOperationException($"{FreshKey}: could not empty {folder}; remove it by hand.");
            }
        }

        Directory.CreateDirectory(folder);
        WaitForProcesses(folder);
        return folder;
    }

    /// <summary>A short name derived from the folder, the same every run: RabbitMQ keeps its data under its node's name.</summary>
    public static string StableSuffix(string folder) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..10];

    private static bool IsFresh(IDistributedApplicationBuilder builder)
    {
        var value = builder.Configuration[FreshKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        return bool.TryParse(value, out var fresh)
            ? fresh
            : throw new InvalidOperationException($"{FreshKey} must be true or false, not '{value}'.");
    }

    /// <summary>
    /// Waits (a while) for processes a previous run left on this folder, by their pid files: an AppHost that was killed
    /// leaves its Redis and RabbitMQ to the orchestrator, which ends them some seconds later.
    /// </summary>
    private static void WaitForProcesses(string folder)
    {
        var waited = Stopwatch.StartNew();
        while (LivePids(folder).ToList() is { Count: > 0 } live)
        {
            if (waited.Elapsed > MaxWaitForPreviousRun)
            {
                throw new InvalidOperationException(
                    $"{folder} is still used by process {string.Join(", ", live)}: stop it (or the AppHost that runs it) first.");
            }

            Thread.Sleep(250);
        }
    }

    /// <summary>Live processes named in <c>*.pid</c> files under the folder that are Redis or RabbitMQ (not a reused pid).</summary>
    internal static IEnumerable<int> LivePids(string folder)
    {
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var pidFile in Directory.EnumerateFiles(folder, "*.pid", SearchOption.AllDirectories))
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

            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && LocalServices.IsAlive(pid) && IsService(pid))
            {
                yield return pid;
            }
        }

        static bool IsService(int pid)
        {
            try
            {
                var name = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim();
                return name.StartsWith("redis", StringComparison.Ordinal) || name.StartsWith("beam", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
    }

    /// <summary>An exclusive lock on <c>{root}/.apphost.lock</c> for as long as this AppHost runs.</summary>
    internal sealed class Lock
    {
        private readonly FileStream stream;

        private Lock(string root, FileStream stream)
        {
            Root = root;
            this.stream = stream;
        }

        public string Root { get; }

        /// <summary>The resources whose folders this run has emptied (<c>Chattorum:Fresh</c>): once each.</summary>
        public HashSet<string> Emptied { get; } = new(StringComparer.Ordinal);

        public static Lock Take(string root)
        {
            Directory.CreateDirectory(root);
            var path = Path.Combine(root, LockFileName);
            try
            {
                return new Lock(root, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException exception)
            {
                throw new InvalidOperationException(
                    $"{root} is in use by another AppHost ({exception.Message}): stop it, or give this one another {ConfigurationKey}.", exception);
            }
        }

        public void Release() => stream.Dispose();
    }

    /// <summary>Releases the lock once the AppHost has stopped and its Redis and RabbitMQ have exited.</summary>
    private sealed class LockRelease(Lock held, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStopped.Register(() =>
            {
                var waited = Stopwatch.StartNew();
                while (waited.Elapsed < MaxWaitForPreviousRun && LivePids(held.Root).Any())
                {
                    Thread.Sleep(250);
                }

                held.Release();
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
