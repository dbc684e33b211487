using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A private <c>redis-server</c> (Debian's package) on a free loopback port, with append-only persistence
/// as deployed, in a folder of its own. It can be restarted on the same port and data, or killed.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("chattorum-redis-").FullName;
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The redis-server process, 0 while it is not running.</summary>
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort.Next());
        await server.LaunchAsync();
        return server;
    }

    /// <summary>Stops Redis the way an operator would (SIGTERM: it flushes its append-only file) and starts it again.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Terminate(process.Id);
            await process.WaitForExitAsync().WaitAsync(StartTimeout);
        }
    }

    /// <summary>
    /// Starts <c>redis-server</c> as the tests run it: loopback only, in <paramref name="folder"/>, append-only
    /// persistence with an fsync a second (as deployed), no snapshots, its log in the folder; <paramref name="extra"/>
    /// adds settings (a cluster node's). Its output is drained so that it never blocks on a full pipe.
    /// </summary>
    internal static Process Spawn(int port, string folder, params string[] extra)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", folder,
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--logfile", Path.Combine(folder, "redis.log"),
            .. extra])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install it with 'apt-get install redis-server'");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task LaunchAsync()
    {
        _process = Spawn(Port, _folder);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await PingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING: {ReadLog()}");
            }

            await Task.Delay(20);
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private string ReadLog()
    {
        var log = Path.Combine(_folder, "redis.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// A free loopback port for a server a test starts, and may stop and start again on the same port. Chosen below the
/// kernel's ephemeral range (ip_local_port_range), which outgoing connections take their source ports from: a port
/// from that range, left free while its server restarts, was once taken by one of the thousands of connections other
/// tests open meanwhile, and the restarted RabbitMQ never came up (FaultsUnderTrafficTests, a clean-clone run).
/// </summary>
public static class FreePort
{
    private const int Lowest = 10_000;

    private static readonly int EphemeralStart = ReadEphemeralStart();

    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, EphemeralStart);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {EphemeralStart}");
    }

    private static int ReadEphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var start and > Lowest + 1_000 ? start : 32_768;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32_768;
        }
    }
}

public static class Signals
{
    /// <summary>SIGTERM, as an orchestrator stops a process.</summary>
    public static void Terminate(int pid) => Send("TERM", pid);

    /// <summary>SIGSTOP: the process freezes, its sockets stay open and nothing answers (a stalled, not a dead, peer).</summary>
    public static void Pause(int pid) => Send("STOP", pid);

    /// <summary>SIGCONT: a paused process goes on where it stopped.</summary>
    public static void Resume(int pid) => Send("CONT", pid);

    private static void Send(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
