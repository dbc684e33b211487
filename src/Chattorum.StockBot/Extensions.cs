using Chattorum.Messaging;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chattorum.StockBot;

public static class Extensions
{
    /// <summary>The meter Polly.Extensions reports resilience events and durations on (see docs/stockbot.md).</summary>
    public const string PollyMeter = "Polly";

    /// <summary>The broker connection (a bot without it is not ready), the quote service, and the command consumer.</summary>
    public static IHostApplicationBuilder AddStockBot(this IHostApplicationBuilder builder)
    {
        builder.AddBrokerConnection(whenDown: HealthStatus.Unhealthy, CommandTopology.DeclareSharedAsync);
        builder.AddStockQuotes();
        // "Polly" is the meter of Polly.Extensions' telemetry: retries, timeouts and circuit changes of the quote pipelines.
        builder.AddTelemetrySources(BotTelemetry.Name, PollyMeter);
        builder.AddTracingSources(MessagingTelemetry.LibrarySources);
        MessagingTelemetry.UseConventions();
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
