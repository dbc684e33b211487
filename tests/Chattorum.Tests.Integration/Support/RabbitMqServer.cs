using System.Diagnostics;
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

    /// <summary>Starts the node (its files written by <see cref="RabbitMqLauncher"/>, as the cluster's nodes are) and waits until it answers AMQP.</summary>
    private async Task LaunchAsync()
    {
        var definitions = Path.Combine(_folder, "definitions.json");
        await File.WriteAllTextAsync(definitions, TestBrokerUsers.Definitions());
        _process = RabbitMqLauncher.Spawn(_folder, _nodeName, Port, _distributionPort, $"{RabbitMqLauncher.QuietLogging}load_definitions = {definitions}\n");
        await RabbitMqLauncher.WaitAnsweringAsync(_process, Port, StartTimeout);
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
