namespace Chattorum.StockBot;

public static class Extensions
{
    /// <summary>The broker connection name the AppHost gives RabbitMQ.</summary>
    public const string MessagingConnectionName = "messaging";

    /// <summary>
    /// Connects to RabbitMQ (the connection's health check makes <c>/health</c> report the broker)
    /// and starts the worker. Answering commands comes with the commands issue.
    /// </summary>
    public static IHostApplicationBuilder AddStockBot(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMQClient(MessagingConnectionName);
        builder.Services.AddHostedService<StockBotWorker>();
        return builder;
    }
}
