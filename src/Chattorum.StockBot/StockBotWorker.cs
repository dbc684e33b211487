using RabbitMQ.Client;

namespace Chattorum.StockBot;

/// <summary>Opens the broker connection at start so a missing broker shows in health and logs at once.</summary>
internal sealed partial class StockBotWorker(IConnection connection, ILogger<StockBotWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogConnected(logger, connection.Endpoint.HostName, connection.Endpoint.Port);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "StockBot connected to RabbitMQ at {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);
}
