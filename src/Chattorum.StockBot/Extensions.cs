using Chattorum.Messaging;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chattorum.StockBot;

public static class Extensions
{
    /// <summary>The broker connection (a bot without it is not ready), the quote service, and the command consumer.</summary>
    public static IHostApplicationBuilder AddStockBot(this IHostApplicationBuilder builder)
    {
        builder.AddBrokerConnection(whenDown: HealthStatus.Unhealthy, CommandTopology.DeclareSharedAsync);
        builder.AddStockQuotes();
        builder.AddTelemetrySources(BotTelemetry.Name);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StockCommandConsumer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StockCommandConsumer>());
        builder.Services.AddHealthChecks().AddCheck<ConsumingHealthCheck>("stock-consumer");
        return builder;
    }

    /// <summary>Ready only once the bot consumes its queue.</summary>
    private sealed class ConsumingHealthCheck(StockCommandConsumer consumer) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(consumer.IsConsuming
                ? HealthCheckResult.Healthy($"consuming {CommandTopology.BotQueue(StockCommandConsumer.Command)}")
                : HealthCheckResult.Unhealthy("not consuming its queue yet"));
    }
}
