using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Chattorum service shares: OpenTelemetry over OTLP, health endpoints,
/// service discovery and resilient HTTP clients.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>Registers the sources and meters of a service so they are exported with the rest.</summary>
    public static TBuilder AddTelemetrySources<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(names))
            .WithTracing(tracing => tracing.AddSource(names));
        return builder;
    }

    /// <summary>Registers activity sources (a client library's, say) whose spans are exported with the rest.</summary>
    public static TBuilder AddTracingSources<TBuilder>(this TBuilder builder, params string[] names) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(names));
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddProcessor(new BackgroundRootFilter())
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath, StringComparison.Ordinal) ||
        path.StartsWithSegments(AlivenessEndpointPath, StringComparison.Ordinal);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready to take traffic (every check passes). <c>/alive</c>: the process is live.
    /// Both are mapped in every environment because Kubernetes probes them in production; with
    /// <see cref="ManagementPort.ConfigurationKey"/> set, only on that port (<see cref="ManagementPort"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var managementPort = ManagementPort.From(app.Configuration);
        app.Use(async (context, next) =>
        {
            if (managementPort is { } port && !ManagementPort.Allows(context, port))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            // A probe's span is filtered out, but the Redis PINGs of its checks would still be recorded under it, as
            // orphans: every 30 s the AppHost's probe showed up on the dashboard as a trace named PING. Running the
            // checks with no current span makes their commands parentless, which BackgroundRootFilter drops.
            if (IsProbe(context.Request.Path))
            {
                System.Diagnostics.Activity.Current = null;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapHealthChecks(HealthEndpointPath).WithMetadata(ManagementPort.EndpointMetadata.Instance);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        }).WithMetadata(ManagementPort.EndpointMetadata.Instance);

        if (managementPort is { } listened)
        {
            ManagementPort.RequireListening(app, listened);
        }

        return app;
    }
}
