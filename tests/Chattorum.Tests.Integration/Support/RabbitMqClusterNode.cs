using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One node of a <see cref="RabbitMqCluster"/>: its own name, AMQP and distribution ports and folder, the cluster's
/// Erlang cookie in its home. It can be killed for real (SIGKILL to its Erlang VM), stopped as an operator does
/// (SIGTERM) and started again with the same name, ports and data, so it rejoins the cluster by itself.
/// </summary>
public sealed class RabbitMqClusterNode
{
    /// <summary>A node boots in ~7 s alone; a restarted one may wait for its peers' tables, and the machine is shared.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A rabbitmqctl call boots an Erlang VM of its own (~1-2 s); a query to a busy cluster may take longer.</summary>
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(60);

    private readonly string _config;
    private readonly string _cookie;
    private Process? _process;

    internal RabbitMqClusterNode(string name, int port, int distributionPort, string folder, string cookie, string config)
    {
        Name = name;
        Port = port;
        DistributionPort = distributionPort;
        Folder = folder;
        _cookie = cookie;
        _config = config;
        var cookieFile = Path.Combine(folder, ".erlang.cookie");
        File.WriteAllText(cookieFile, cookie);

        // Erlang refuses a cookie file others can read (RabbitMQ runs on Linux only here).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cookieFile, UnixFileMode.UserRead);
        }
    }

    /// <summary>The Erlang node name, <c>NAME@localhost</c>.</summary>
    public string Name { get; }

    public int Port { get; }

    public int DistributionPort { get; }

    public string Folder { get; }

    /// <summary>Whether the node's start script (and so its VM) is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the node and waits until it answers AMQP.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }

        _process?.Dispose();
        _process = RabbitMqLauncher.Spawn(Folder, Name, Port, DistributionPort, _config);
        await RabbitMqLauncher.WaitAnsweringAsync(_process, Port, StartTimeout);
    }

    /// <summary>SIGKILL to the node's Erlang VM (not to the script, which would leave the VM running): no goodbye to anyone.</summary>
    public async Task KillAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        foreach (var vm in VirtualMachines(Name))
        {
            using var process = Process.GetProcessById(vm);
            process.Kill();
        }

        // The script ends with its VM.
        await _process!.WaitForExitAsync().WaitAsync(StopTimeout);
    }

    /// <summary>SIGTERM to the start script: the node stops cleanly, as an operator stops it.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        Signals.Terminate(_process!.Id);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(StopTimeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> against this node and returns its output; throws if it fails.</summary>
    public async Task<string> CtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(RabbitMqLauncher.Ctl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["--erlang-cookie", _cookie, "-n", Name, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // The CLI's own VM: its home in the node's folder, never the user's.
        start.Environment["HOME"] = Folder;
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(CtlTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} on {Name} took over {CtlTimeout.TotalSeconds:0} s");
        }

        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} on {Name} failed ({process.ExitCode}): {await error}{await output}");
    }

    /// <summary>
    /// The <c>beam.smp</c> processes of nodes whose name starts with <paramref name="namePrefix"/>, found by the
    /// <c>RABBITMQ_NODENAME</c> they inherited from their start script.
    /// </summary>
    public static IEnumerable<int> VirtualMachines(string namePrefix)
    {
        var wanted = Encoding.UTF8.GetBytes($"RABBITMQ_NODENAME={namePrefix}");
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            byte[] environment;
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() != "beam.smp")
                {
                    continue;
                }

                environment = File.ReadAllBytes(Path.Combine(directory, "environ"));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours.
                continue;
            }

            foreach (var range in Split(environment))
            {
                if (environment.AsSpan(range).StartsWith(wanted))
                {
                    yield return pid;
                    break;
                }
            }
        }
    }

    private static IEnumerable<Range> Split(byte[] environment)
    {
        var start = 0;
        for (var i = 0; i < environment.Length; i++)
        {
            if (environment[i] == 0)
            {
                yield return start..i;
                start = i + 1;
            }
        }
    }

    /// <summary>Stops the node, killing it if it does not stop in time.</summary>
    internal async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (TimeoutException)
        {
            await KillAsync();
        }

        _process?.Dispose();
    }
}
