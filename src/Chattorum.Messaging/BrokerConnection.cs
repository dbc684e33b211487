using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.Messaging;

/// <summary>
/// The service's one connection to RabbitMQ. It connects in the background and keeps trying, so a service
/// starts, and keeps doing everything that does not need the broker, while the broker is away; once
/// connected, the client library's automatic recovery brings the connection, its channels and consumers back
/// after a broker restart.
/// </summary>
public sealed partial class BrokerConnection(IConfiguration configuration, IHostEnvironment environment, ILogger<BrokerConnection> logger) : BackgroundService
{
    /// <summary>The connection name the AppHost gives RabbitMQ.</summary>
    public const string ConnectionName = "messaging";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan NetworkRecoveryInterval = TimeSpan.FromSeconds(1);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Uri.TryCreate(configuration.GetConnectionString(ConnectionName), UriKind.Absolute, out var uri))
        {
            // Without a broker the service does everything else; commands report the bots unreachable.
            LogNotConfigured(logger, ConnectionName);
            return;
        }

        var factory = new ConnectionFactory
        {
            Uri = uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = NetworkRecoveryInterval,
            ClientProvidedName = $"{environment.ApplicationName} {Environment.MachineName}/{Environment.ProcessId}",
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _connection = await factory.CreateConnectionAsync(stoppingToken).ConfigureAwait(false);
                await using (var channel = await _connection.CreateChannelAsync(cancellationToken: stoppingToken).ConfigureAwait(false))
                {
                    // Before anyone publishes: a publish to an exchange that does not exist would close its channel.
                    await CommandTopology.DeclareSharedAsync(channel, stoppingToken).ConfigureAwait(false);
                }

                _connection.ConnectionShutdownAsync += (_, args) =>
                {
                    LogConnectionLost(logger, args.ReplyText);
                    return Task.CompletedTask;
                };
                _connection.RecoverySucceededAsync += (_, _) =>
                {
                    LogRecovered(logger);
                    return Task.CompletedTask;
                };
                LogConnected(logger, factory.Uri.Host, factory.Uri.Port);
                _connected.TrySetResult(_connection);
                return;
            }
            catch (Exception exception) when (exception is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException)
            {
                LogUnreachable(logger, exception.InnerException?.Message ?? exception.Message);
                if (_connection is not null)
                {
                    await _connection.DisposeAsync().ConfigureAwait(false);
                    _connection = null;
                }

                await Task.Delay(RetryInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _connected.TrySetCanceled(cancellationToken);
        if (_connection is not null)
        {
            try
            {
                // A broker that is away (or a recovery in progress) must not hold up the service's shutdown.
                await _connection.CloseAsync(CloseTimeout).WaitAsync(CloseTimeout * 2, cancellationToken).ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException or AlreadyClosedException or IOException)
            {
                LogCloseFailed(logger, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConnectionStrings:{Name} is not set to an AMQP URI: running without RabbitMQ")]
    private static partial void LogNotConfigured(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ is unreachable ({Reason}); retrying")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ connection lost: {Reason}; recovering")]
    private static partial void LogConnectionLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the RabbitMQ connection failed: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ connection recovered")]
    private static partial void LogRecovered(ILogger logger);
}
