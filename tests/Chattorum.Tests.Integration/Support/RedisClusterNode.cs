using System.Diagnostics;
using System.Globalization;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One <c>redis-server</c> of a <see cref="RedisClusterServer"/>: its own port, cluster bus port and folder (its
/// nodes.conf and append-only file live there, so a restart on the same folder is the same node).
/// </summary>
public sealed class RedisClusterNode
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>A primary that SIGTERM finds with lagging replicas waits up to shutdown-timeout (10 s) for them.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private Process? _process;

    internal RedisClusterNode(int port, int busPort, string folder)
    {
        Port = port;
        BusPort = busPort;
        Folder = folder;
    }

    public int Port { get; }

    /// <summary>
    /// The cluster bus port, chosen like <see cref="Port"/> rather than left at port + 10000, which could fall in the
    /// kernel's ephemeral range (see <see cref="FreePort"/>) and be taken while the node is down.
    /// </summary>
    public int BusPort { get; }

    public string Folder { get; }

    public string EndPoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The node's cluster id (it keeps it across restarts: it is in its nodes.conf).</summary>
    public string Id { get; private set; } = "";

    /// <summary>The redis-server process, 0 while it is not running.</summary>
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;

    public bool IsRunning => Pid != 0;

    /// <summary>SIGSTOPped: running, but answering nothing.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>Running and answering: the nodes a check of the cluster's state asks.</summary>
    public bool IsLive => IsRunning && !IsPaused;

    public override string ToString() => $"{EndPoint} ({(Id.Length >= 8 ? Id[..8] : "?")}, pid {Pid})";

    public Task<object?> CommandAsync(params string[] args) => RedisNodeClient.RunAsync(Port, args);

    public async Task<string> TextAsync(params string[] args) => (string)(await CommandAsync(args))!;

    /// <summary>A field of INFO (<c>role</c>, <c>master_link_status</c>, ...), null if absent.</summary>
    public async Task<string?> InfoFieldAsync(string section, string field) =>
        ParseFields(await TextAsync("INFO", section)).GetValueOrDefault(field);

    internal static Dictionary<string, string> ParseFields(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#') && line.Contains(':', StringComparison.Ordinal))
            .ToDictionary(line => line[..line.IndexOf(':', StringComparison.Ordinal)], line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..]);

    internal async Task LaunchAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{this} is already running");
        }

        _process = RedisServer.Spawn(
            Port,
            Folder,
            "--cluster-port", BusPort.ToString(CultureInfo.InvariantCulture),
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",

            // A primary is declared failed after 2 s without an answer: a failover takes a few seconds, not 15+.
            "--cluster-node-timeout", "2000",

            // A replica's full sync starts at once instead of after 5 s (the default waits for more replicas to
            // share one transfer): a restarted node catches up without a pause that only slows the tests.
            "--repl-diskless-sync-delay", "0");
        IsPaused = false;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                // The node id, once it answers; a node still loading its append-only file answers -LOADING.
                Id = await TextAsync("CLUSTER", "MYID");
                return;
            }
            catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException or RedisNodeException)
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"redis-server on port {Port} did not answer: {ReadLog()}", exception);
                }
            }

            await Task.Delay(20);
        }
    }

    /// <summary>SIGKILL: the node vanishes without writing anything more.</summary>
    internal async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        IsPaused = false;
    }

    /// <summary>SIGTERM: the node flushes its append-only file (and nodes.conf) and exits.</summary>
    internal async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            if (IsPaused)
            {
                Resume();
            }

            Signals.Terminate(process.Id);
            await process.WaitForExitAsync().WaitAsync(StopTimeout);
        }
    }

    internal void Pause()
    {
        Signals.Pause(Pid);
        IsPaused = true;
    }

    internal void Resume()
    {
        Signals.Resume(Pid);
        IsPaused = false;
    }

    internal string ReadLog()
    {
        var log = Path.Combine(Folder, "redis.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(40)) : "(no log)";
    }

    internal async Task DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}
