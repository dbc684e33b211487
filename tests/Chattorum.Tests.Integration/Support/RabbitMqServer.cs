using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Chattorum.Messaging;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A private RabbitMQ node (Debian's package) on a free loopback port, with its own name, home and data
/// folder. It can be stopped the way an operator does (SIGTERM) and started again on the same port and data:
/// durable queues and persistent messages survive. It boots with <see cref="TestBrokerUsers"/>' users (imported
/// definitions), so chat nodes and bots connect with their production rights and the tests as <c>guest</c>, an admin.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Binary = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _folder = Directory.CreateTempSubdirectory("chattorum-rabbitmq-").FullName;
    private readonly string _nodeName = $"chattorum-test-{Environment.ProcessId}-{Random.Shared.Next(100_000, 999_999)}@localhost";
    private readonly int _distributionPort = FreePort.Next();
    private Process? _process;

    private RabbitMqServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The administrator's connection string (<c>guest</c>: every right), for the tests' own connections.</summary>
    public string ConnectionString => ConnectionStringFor(TestBrokerUsers.AdminUser);

    /// <summary>The chat nodes' connection string (<see cref="BrokerAccess.ChatUser"/>).</summary>
    public string ChatConnectionString => ConnectionStringFor(BrokerAccess.ChatUser);

    /// <summary>The connection string of one of <see cref="TestBrokerUsers"/>' users.</summary>
    public string ConnectionStringFor(string user) => TestBrokerUsers.ConnectionString(user, Port);

    /// <summary>The connection string of the bot that answers <paramref name="command"/> (<c>stockbot</c> for <c>stock</c>).</summary>
    public string BotConnectionString(string command) => ConnectionStringFor(BrokerAccess.BotUser(command));

    /// <summary>The node's name, for <c>rabbitmqctl -n</c>.</summary>
    public string NodeName => _nodeName;

    /// <summary>The Erlang cookie <c>rabbitmqctl</c> needs: the node's <c>HOME/.erlang.cookie</c>.</summary>
    public string ErlangCookie => File.ReadAllText(Path.Combine(_folder, ".erlang.cookie")).Trim();

    public static async Task<RabbitMqServer> StartAsync()
    {
        var server = new RabbitMqServer(FreePort.Next());
        await server.LaunchAsync();
        return server;
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Terminate(process.Id);
            await process.WaitForExitAsync().WaitAsync(StartTimeout);
        }
    }

    public Task StartAgainAsync() => LaunchAsync();

    private async Task LaunchAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing; install it with 'apt-get install rabbitmq-server'");
        }

        var config = Path.Combine(_folder, "rabbitmq.conf");
        var definitions = Path.Combine(_folder, "definitions.json");
        await File.WriteAllTextAsync(definitions, TestBrokerUsers.Definitions());
        await File.WriteAllTextAsync(config,
            "log.console = true\nlog.console.level = warning\nlog.file = false\nlog.connection.level = error\n" +
            $"load_definitions = {definitions}\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "enabled_plugins"), "[].\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "rabbitmq-env.conf"), string.Empty);

        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        var env = start.Environment;
        env["HOME"] = _folder;
        env["RABBITMQ_NODENAME"] = _nodeName;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log");
        env["RABBITMQ_LOGS"] = "-";
        env["RABBITMQ_PID_FILE"] = Path.Combine(_folder, "rabbitmq.pid");
        env["RABBITMQ_CONFIG_FILE"] = config;
        env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_folder, "advanced.config");
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_folder, "rabbitmq-env.conf");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins");
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AnswersAmqpAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"RabbitMQ on port {Port} did not start (exited: {_process.HasExited})");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Sends the AMQP 0-9-1 protocol header; a broker that is up answers with a method frame.</summary>
    private async Task<bool> AnswersAmqpAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
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

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            Signals.Terminate(process.Id);
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // An Erlang helper may still hold a file for a moment; the temp folder is cleaned with the machine.
        }
    }
}
