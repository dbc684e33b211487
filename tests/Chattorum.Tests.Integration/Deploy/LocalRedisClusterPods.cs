using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The Redis Cluster of deploy/k8s-redis-cluster/ as local processes, run by its own scripts: each "pod" is Debian's
/// redis-server started by the ConfigMap's start.sh, on a loopback address of its own (127.A.B.x, same port for all,
/// as pods have), and the bootstrap Job is its create-cluster.sh. What Kubernetes provides is stood in for: the
/// downward API by POD_NAME/POD_IP, the ConfigMap and volume by folders (the scripts' /etc/redis and /data paths point
/// there), and the headless Service's DNS by a <c>getent</c> on PATH that reads a hosts file the test rewrites when the
/// "pods" move to new addresses (and a <c>redis-cli</c> wrapper that resolves <c>-h NAME</c> through it).
/// </summary>
public sealed class LocalRedisClusterPods : IAsyncDisposable
{
    public const string Password = "cluster-test-secret";
    public const string Service = "cache-headless";
    public const string StatefulSet = "cache";

    private const int BusPortOffset = 10000;
    private const int EphemeralStart = 32768;
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(5);

    private readonly string root = Directory.CreateTempSubdirectory("chattorum-redis-cluster-pods-").FullName;
    private readonly IReadOnlyDictionary<string, string> configMap;
    private readonly Process?[] pods;
    private readonly StringBuilder log = new();

    public LocalRedisClusterPods(IReadOnlyDictionary<string, string> configMap, int count)
    {
        this.configMap = configMap;
        pods = new Process?[count];
        // The cluster bus listens on port + 10000: both below the kernel's ephemeral range.
        do
        {
            Port = Support.FreePort.Next();
        }
        while (Port + BusPortOffset >= EphemeralStart);

        Directory.CreateDirectory(Path.Combine(root, "bin"));
        WriteExecutable("getent", $$"""
            #!/bin/sh
            # getent hosts NAME, answered from the test's hosts file (the headless Service's DNS).
            [ "$1" = hosts ] || exit 2
            grep " $2\$" '{{HostsFile}}' || exit 2
            """);
        WriteExecutable("redis-cli", """
            #!/bin/sh
            # The real redis-cli, with -h NAME resolved through getent first.
            n=$#; prev=
            for a in "$@"; do
                if [ "$prev" = -h ] && r=$(getent hosts "$a"); then a=${r%% *}; fi
                set -- "$@" "$a"; prev=$a
            done
            shift "$n"
            exec /usr/bin/redis-cli "$@"
            """);
    }

    public int Port { get; }

    /// <summary>The address each pod has now (its "pod IP").</summary>
    public string[] Addresses { get; private set; } = [];

    /// <summary>The pods' stdout and stderr and the scripts' output, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static string PodName(int i) => string.Create(CultureInfo.InvariantCulture, $"{StatefulSet}-{i}");

    public static string HostName(int i) => $"{PodName(i)}.{Service}";

    /// <summary>
    /// Starts every pod at a new set of addresses (127.<paramref name="network"/>.x): the DNS names now resolve to them, as
    /// when all pods of the StatefulSet were recreated. Each keeps its data folder (its volume) across starts.
    /// </summary>
    public async Task StartAllAsync(string network)
    {
        Addresses = Enumerable.Range(0, pods.Length).Select(i => string.Create(CultureInfo.InvariantCulture, $"127.{network}.{10 + i}")).ToArray();
        await File.WriteAllLinesAsync(HostsFile, Addresses.Select((address, i) => $"{address}  {HostName(i)}"));

        for (var i = 0; i < pods.Length; i++)
        {
            var data = Directory.CreateDirectory(Path.Combine(root, "data", PodName(i))).FullName;
            var config = Directory.CreateDirectory(Path.Combine(root, "config", PodName(i))).FullName;
            // The ConfigMap's files with the pod's paths; a local "pod" must also bind its own address only (pods have
            // one each) and keep a pid file.
            await File.WriteAllTextAsync(Path.Combine(config, "redis.conf"), Localize(configMap["redis.conf"], data, config).Replace("port 6379", $"port {Port}", StringComparison.Ordinal)
                + $"bind {Addresses[i]}\npidfile {data}/redis.pid\n");
            await File.WriteAllTextAsync(Path.Combine(config, "start.sh"), Localize(configMap["start.sh"], data, config));

            pods[i] = Start(Path.Combine(config, "start.sh"), data, new Dictionary<string, string>
            {
                ["POD_NAME"] = PodName(i),
                ["POD_IP"] = Addresses[i],
                ["SERVICE"] = Service,
                ["REDIS_PASSWORD"] = Password,
            });
        }
    }

    /// <summary>Stops every pod the way Kubernetes does (SIGTERM), and waits for it.</summary>
    public async Task StopAllAsync()
    {
        foreach (var pod in pods.OfType<Process>().Where(pod => !pod.HasExited))
        {
            Support.Signals.Terminate(pod.Id);
        }

        using var timeout = new CancellationTokenSource(ProcessTimeout);
        foreach (var pod in pods.OfType<Process>())
        {
            await pod.WaitForExitAsync(timeout.Token);
            pod.Dispose();
        }

        Array.Clear(pods);
    }

    /// <summary>Runs the bootstrap Job's script to its end: exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunCreateJobAsync()
    {
        var script = Path.Combine(root, "create-cluster.sh");
        await File.WriteAllTextAsync(script, configMap["create-cluster.sh"]);
        var output = new StringBuilder();
        using var job = Start(script, root, new Dictionary<string, string>
        {
            ["NODES"] = pods.Length.ToString(CultureInfo.InvariantCulture),
            ["PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["REDIS_PASSWORD"] = Password,
            ["REPLICAS"] = "1",
            ["SERVICE"] = Service,
            ["STATEFULSET"] = StatefulSet,
        }, output);
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        await job.WaitForExitAsync(timeout.Token);
        job.WaitForExit(); // the output's last lines
        lock (output)
        {
            return (job.ExitCode, output.ToString());
        }
    }

    /// <summary>One command to one pod by address (AUTH first, no redirects followed): the reply as text.</summary>
    public async Task<string> CommandAsync(int pod, params string[] command)
    {
        using var timeout = new CancellationTokenSource(IoTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(Addresses[pod], Port, timeout.Token);
        var stream = client.GetStream();
        var request = new StringBuilder(Resp("AUTH", Password)).Append(Resp(command)).ToString();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);

        // +OK for AUTH, then the command's reply: read until that reply is complete.
        var reply = new StringBuilder();
        var buffer = new byte[16384];
        while (true)
        {
            var text = reply.ToString();
            if (text.StartsWith("+OK\r\n", StringComparison.Ordinal) && IsComplete(text["+OK\r\n".Length..]))
            {
                return text["+OK\r\n".Length..];
            }

            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                throw new IOException($"{Addresses[pod]}:{Port} closed the connection: '{text}'");
            }

            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    /// <summary>Polls every pod's CLUSTER INFO until all say cluster_state:ok, or the deadline passes.</summary>
    public async Task<TimeSpan> WaitClusterOkAsync(TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var states = await Task.WhenAll(Enumerable.Range(0, pods.Length).Select(async i =>
            {
                try
                {
                    return (await CommandAsync(i, "CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal);
                }
                catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
                {
                    return false;
                }
            }));
            if (states.All(ok => ok))
            {
                return clock.Elapsed;
            }

            Assert.True(clock.Elapsed < deadline, $"not every pod said cluster_state:ok within {deadline}.\n{Log}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in pods.OfType<Process>())
        {
            if (!pod.HasExited)
            {
                pod.Kill();
                await pod.WaitForExitAsync();
            }

            pod.Dispose();
        }

        Directory.Delete(root, recursive: true);
    }

    private string HostsFile => Path.Combine(root, "hosts");

    private static string Localize(string text, string data, string config) =>
        text.Replace("/data", data, StringComparison.Ordinal).Replace("/etc/redis", config, StringComparison.Ordinal);

    private static string Resp(params string[] parts) =>
        $"*{parts.Length}\r\n" + string.Concat(parts.Select(part => $"${Encoding.ASCII.GetByteCount(part)}\r\n{part}\r\n"));

    /// <summary>Whether a RESP reply is complete: a simple line, a bulk string of its full length, or an array of those.</summary>
    private static bool IsComplete(string reply)
    {
        var position = 0;
        return Skip(reply, ref position) && position == reply.Length;

        static bool Skip(string reply, ref int position)
        {
            var end = reply.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            var type = reply[position];
            var header = reply[(position + 1)..end];
            position = end + 2;
            switch (type)
            {
                case '$':
                    var length = int.Parse(header, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return true;
                    }

                    if (reply.Length < position + length + 2)
                    {
                        return false;
                    }

                    position += length + 2;
                    return true;
                case '*':
                    var count = int.Parse(header, CultureInfo.InvariantCulture);
                    for (var i = 0; i < count; i++)
                    {
                        if (position >= reply.Length || !Skip(reply, ref position))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
    }

    private Process Start(string script, string workingDirectory, Dictionary<string, string> environment, StringBuilder? output = null)
    {
        var start = new ProcessStartInfo("sh")
        {
            ArgumentList = { script },
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = $"{Path.Combine(root, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(CultureInfo.InvariantCulture, $"[{Path.GetFileName(workingDirectory)}] {line}");
            }

            if (output is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void WriteExecutable(string name, string text)
    {
        var path = Path.Combine(root, "bin", name);
        File.WriteAllText(path, text + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
