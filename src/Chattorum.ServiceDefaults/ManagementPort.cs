using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A port of its own for the probes (<c>Health:Port</c>, <c>Health__Port</c> in the environment): when it is set, the
/// health endpoints answer only on connections to that port, and that port answers nothing else. In Kubernetes Kestrel
/// listens on the application's port and on this one (<c>ASPNETCORE_HTTP_PORTS=8080;8081</c>); the kubelet probes this
/// one, and the Service behind the Ingress exposes only the other, so nobody outside the cluster reaches <c>/health</c>.
/// The check is on the port the connection arrived at, not on the <c>Host</c> header, which a client chooses. Without
/// the setting (Aspire's run mode, the tests) every endpoint answers on every port, as before.
/// </summary>
public static partial class ManagementPort
{
    public const string ConfigurationKey = "Health:Port";

    /// <summary>Marks an endpoint as served on the management port only (when there is one).</summary>
    public sealed class EndpointMetadata
    {
        public static EndpointMetadata Instance { get; } = new();

        private EndpointMetadata()
        {
        }
    }

    /// <summary>The configured management port, or null; a value that is not a TCP port stops the start, naming the setting.</summary>
    public static int? From(IConfiguration configuration)
    {
        var value = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= ushort.MaxValue
            ? port
            : throw new InvalidOperationException(
                $"{ConfigurationKey} is '{value}': give the TCP port (1-{ushort.MaxValue}) the health endpoints answer on, one Kestrel listens on, or no value.");
    }

    /// <summary>
    /// Whether a request may be served here: a management endpoint only on the management port, anything else only on
    /// the other ports. Runs after routing (WebApplication routes first), so the endpoint is known whatever the path's
    /// spelling (<c>/HEALTH</c>, <c>/health/</c>).
    /// </summary>
    public static bool Allows(HttpContext context, int managementPort)
    {
        var isManagement = context.GetEndpoint()?.Metadata.GetMetadata<EndpointMetadata>() is not null;
        return isManagement == (context.Connection.LocalPort == managementPort);
    }

    /// <summary>
    /// Once the server listens, checks that one of its addresses is the management port: otherwise every probe would
    /// fail with nothing said. Stops the application with the reason in the log.
    /// </summary>
    public static void RequireListening(WebApplication app, int managementPort)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var ports = app.Urls
                .Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Port : -1)
                .ToList();
            if (ports.Count > 0 && !ports.Contains(managementPort))
            {
                LogNotListening(app.Logger, ConfigurationKey, managementPort, string.Join(", ", app.Urls));
                app.Lifetime.StopApplication();
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Key} is {Port}, but the server listens on no such port ({Addresses}): the health endpoints would answer nowhere. Add the port to ASPNETCORE_HTTP_PORTS (or ASPNETCORE_URLS). Stopping.")]
    private static partial void LogNotListening(ILogger logger, string key, int port, string addresses);
}
