using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.Messaging;

/// <summary>
/// The service's one connection to RabbitMQ: the <see cref="IConnection"/> of Aspire's client integration, resolved in
/// the background and again after each failed attempt, so a service starts, and keeps doing everything that does not
/// need the broker, while the broker is away. Once connected, the client library's automatic recovery brings the
/// connection, its channels and consumers back after a broker restart, on whichever node of the list answers.
/// </summary>
public sealed partial class BrokerConnection(
    IServiceProvider services, IConfiguration configuration, BrokerTopology topology, ILogger<BrokerConnection> logger) : BackgroundService
{
    /// <summary>The connection name the AppHost gives RabbitMQ.</summary>
    public const string ConnectionName = "messaging";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan NetworkRecoveryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan TopologyRetryInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource<IConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnection? _connection;

    /// <summary>Open now (not recovering).</summary>
    public bool IsOpen => _connection is { IsOpen: true };

    /// <summary>Completes once the first connection is made.</summary>
    public Task<IConnection> Connected => _connected.Task;

    /// <summary>The connection once it is made, or null if the service stops first.</summary>
    public async Task<IConnection?> WaitConnectedAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await _connected.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The factory settings this service relies on, applied to the integration's factory: recovery on, the other nodes
    /// of <paramref name="endpoints"/> to connect and fail over to, and a name that tells the connections apart in
    /// the broker's list.
    /// </summary>
    internal static void Configure(ConnectionFactory factory, IReadOnlyList<Uri> endpoints, string applicationName)
    {
        factory.AutomaticRecoveryEnabled = true;
        factory.TopologyRecoveryEnabled = true;
        factory.NetworkRecoveryInterval = NetworkRecoveryInterval;
        factory.ClientProvidedName = $"{applicationName} {Environment.MachineName}/{Environment.ProcessId}";
        if (endpoints.Count > 1)
        {
            // Every connection attempt and every recovery asks the resolver, which tries the nodes in a shuffled order.
            var nodes = endpoints.Select(uri => new AmqpTcpEndpoint(uri)).ToArray();
            factory.EndpointResolverFactory = _ => new DefaultEndpointResolver(nodes);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (BrokerEndpoints.Parse(configuration.GetConnectionString(ConnectionName)).Count == 0)
        {
            // Without a broker the service does everything else; commands report the bots unreachable.
            LogNotConfigured(logger, ConnectionName);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The integration creates the connection synchronously inside the DI resolution: off the start-up path.
                // A failed resolution is not cached, so the next attempt connects anew.
                _connection = await Task.Run(services.GetRequiredService<IConnection>, stoppingToken).ConfigureAwait(false);
                await using (var channel = await _connection.CreateChannelAsync(cancellationToken: stoppingToken).ConfigureAwait(false))
                {
                    // Before anyone publishes: a publish to an exchange that does not exist would close its channel.
                    await topology.Declare(channel, stoppingToken).ConfigureAwait(false);
                }

                _connection.ConnectionShutdownAsync += (_, args) =>
                {
                    LogConnectionLost(logger, args.ReplyText);
                    return Task.CompletedTask;
                };
                _connection.RecoverySucceededAsync += (_, _) =>
                {
                    LogRecovered(logger, _connection.Endpoint.HostName, _connection.Endpoint.Port);
                    return Task.CompletedTask;
                };
                LogConnected(logger, _connection.Endpoint.HostName, _connection.Endpoint.Port);
                _connected.TrySetResult(_connection);
                return;
            }
            catch (Exception exception) when (IsUnreachable(exception))
            {
                LogUnreachable(logger, exception.InnerException?.Message ?? exception.Message);
                await Task.Delay(RetryInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (TopologyMismatchException exception)
            {
                // An operator has to act; retrying slowly picks it up once they did.
                LogTopologyMismatch(logger, exception.Message);
                await Task.Delay(TopologyRetryInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsUnreachable(Exception exception) =>
        exception is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException
            or System.Net.Sockets.SocketException or TimeoutException;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _connected.TrySetCanceled(cancellationToken);
        if (_connection is not null)
        {
            try
            {
                // A broker that is away (or a recovery in progress) must not hold up the service's shutdown. The
                // container disposes the connection itself after this.
                await _connection.CloseAsync(CloseTimeout).WaitAsync(CloseTimeout * 2, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException or AlreadyClosedException or IOException)
            {
                LogCloseFailed(logger, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConnectionStrings:{Name} is not set to AMQP URIs: running without RabbitMQ")]
    private static partial void LogNotConfigured(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem}")]
    private static partial void LogTopologyMismatch(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ is unreachable ({Reason}); retrying")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ connection lost: {Reason}; recovering")]
    private static partial void LogConnectionLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the RabbitMQ connection failed: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ connection recovered, at {Host}:{Port}")]
    private static partial void LogRecovered(ILogger logger, string host, int port);
}
