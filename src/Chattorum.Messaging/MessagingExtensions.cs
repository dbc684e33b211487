using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Chattorum.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The broker connection, and a health check for it that reports <paramref name="whenDown"/> while it is away
    /// (a chat node stays ready without the broker; a bot does not).
    /// </summary>
    public static IHostApplicationBuilder AddBrokerConnection(this IHostApplicationBuilder builder, HealthStatus whenDown)
    {
        builder.Services.AddSingleton<BrokerConnection>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BrokerConnection>());
        builder.Services.AddSingleton<ConfirmingPublisher>();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("messaging", whenDown);
        return builder;
    }

    private sealed class BrokerHealthCheck(BrokerConnection broker) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(broker.IsOpen
                ? HealthCheckResult.Healthy("connected to RabbitMQ")
                : new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ is unreachable"));
    }
}
