using Aspire.RabbitMQ.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Chattorum.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The broker connection: Aspire's RabbitMQ client integration (<c>AddRabbitMQClient</c>: the <c>IConnection</c>, its
    /// configuration section <c>Aspire:RabbitMQ:Client</c>, logging and tracing), connected in the background by
    /// <see cref="BrokerConnection"/> so that the service starts and runs while the broker is away.
    /// <paramref name="declareTopology"/> declares, on every first connection, what this service publishes to and
    /// consumes from. While the broker is away the service's health is <paramref name="whenDown"/>: a chat node stays
    /// ready without it (<see cref="HealthStatus.Degraded"/>), a bot does not (<see cref="HealthStatus.Unhealthy"/>: then
    /// the integration's own RabbitMQ health check is used).
    /// </summary>
    public static IHostApplicationBuilder AddBrokerConnection(
        this IHostApplicationBuilder builder, HealthStatus whenDown, Func<IChannel, CancellationToken, Task> declareTopology)
    {
        var endpoints = BrokerEndpoints.Parse(builder.Configuration.GetConnectionString(BrokerConnection.ConnectionName));
        var useIntegrationHealthCheck = whenDown == HealthStatus.Unhealthy;
        builder.AddRabbitMQClient(
            BrokerConnection.ConnectionName,
            settings => ConfigureSettings(settings, endpoints, useIntegrationHealthCheck),
            factory => BrokerConnection.Configure(factory, endpoints, builder.Environment.ApplicationName));

        builder.Services.AddSingleton(new BrokerTopology(declareTopology));
        builder.Services.AddSingleton<BrokerConnection>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BrokerConnection>());
        builder.Services.AddSingleton<ConfirmingPublisher>();
        if (!useIntegrationHealthCheck)
        {
            builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("messaging", whenDown);
        }

        return builder;
    }

    private static void ConfigureSettings(RabbitMQClientSettings settings, IReadOnlyList<Uri> endpoints, bool healthCheck)
    {
        // The integration parses one URI; the other nodes of a list reach the factory through its endpoint resolver.
        if (endpoints.Count > 0)
        {
            settings.ConnectionString = endpoints[0].ToString();
        }

        // BrokerConnection retries forever in the background: the integration's blocking retries (2, 4, 8… s inside a
        // DI resolution) and its connecting at start-up would hold up or fail a service whose broker is away.
        settings.MaxConnectRetryCount = 0;
        settings.DisableAutoActivation = true;
        settings.DisableHealthChecks = !healthCheck;
    }

    private sealed class BrokerHealthCheck(BrokerConnection broker) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(broker.IsOpen
                ? HealthCheckResult.Healthy("connected to RabbitMQ")
                : new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ is unreachable"));
    }
}

/// <summary>What a service declares on the broker when it first connects.</summary>
public sealed record BrokerTopology(Func<IChannel, CancellationToken, Task> Declare);
