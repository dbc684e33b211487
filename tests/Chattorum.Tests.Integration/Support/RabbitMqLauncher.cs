using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// Starts a private RabbitMQ node (Debian's package) as the tests run it: loopback only, every file (home, data,
/// config, pid) in its folder, its output drained. Shared by the single test broker and the cluster's nodes.
/// </summary>
public static class RabbitMqLauncher
{
    /// <summary>The foreground start script: <c>/usr/sbin/rabbitmq-server</c> switches user and logs to /var/log.</summary>
    public const string Binary = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>The CLI that talks to a node over Erlang distribution (with an explicit cookie, not the packaged user's).</summary>
    public const string Ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    /// <summary>Logs on the console (drained), warnings and up: a node's own log is not what the tests look at.</summary>
    public const string QuietLogging = "log.console = true\nlog.console.level = warning\nlog.file = false\nlog.connection.level = error\n";

    /// <summary>
    /// Writes the node's files into <paramref name="folder"/> (its home too: an Erlang cookie there is the node's) and
    /// starts it. <paramref name="config"/> is the whole <c>rabbitmq.conf</c>.
    /// </summary>
    public static Process Spawn(string folder, string nodeName, int port, int distributionPort, string config)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing; install it with 'apt-get install rabbitmq-server'");
        }

        var configFile = Path.Combine(folder, "rabbitmq.conf");
        File.WriteAllText(configFile, config);
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(folder, "rabbitmq-env.conf"), string.Empty);

        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        var env = start.Environment;
        env["HOME"] = folder;
        env["RABBITMQ_NODENAME"] = nodeName;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log");
        env["RABBITMQ_LOGS"] = "-";
        env["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbitmq.pid");
        env["RABBITMQ_CONFIG_FILE"] = configFile;
        env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(folder, "advanced.config");
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(folder, "rabbitmq-env.conf");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins");
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls until the node answers AMQP on <paramref name="port"/>; throws if it exits or the deadline passes.</summary>
    public static async Task WaitAnsweringAsync(Process process, int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await AnswersAmqpAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"RabbitMQ on port {port} did not start (exited: {process.HasExited})");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Sends the AMQP 0-9-1 protocol header; a broker that is up answers with a method frame.</summary>
    public static async Task<bool> AnswersAmqpAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray());
            var buffer = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            return await stream.ReadAsync(buffer, timeout.Token) == 1 && buffer[0] == 1;
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
