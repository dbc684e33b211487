using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.AppHost;

/// <summary>
/// RabbitMQ run from the Debian package's foreground script (<c>/usr/lib/rabbitmq/bin/rabbitmq-server</c>) as a private
/// node, for machines without a container runtime. Its connection string is an AMQP URI to DCP's proxy for the
/// <c>tcp</c> endpoint; the default <c>guest</c> user is allowed because the proxy connects from loopback.
/// </summary>
internal sealed class LocalRabbitMQResource(string name, string command, string dataFolder)
    : LocalServiceResource(name, command, dataFolder)
{
    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:guest@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

internal static class LocalRabbitMQResourceExtensions
{
    // /usr/sbin/rabbitmq-server switches to the rabbitmq user and logs to /var/log; this one runs in the foreground.
    private static readonly string[] Candidates = ["/usr/lib/rabbitmq/bin/rabbitmq-server"];

    /// <summary>
    /// Adds RabbitMQ as a private local node: its own HOME (Erlang cookie), node name, ports, Mnesia and log folders
    /// and config files under a per-run folder, no plugins, logs on stdout. The health check sends the AMQP header.
    /// Under <see cref="DataFolder"/> the folder and the node's name stay the same from run to run (RabbitMQ keeps its
    /// queues under the node's name), so durable queues and persistent messages outlive a restart.
    /// </summary>
    public static IResourceBuilder<LocalRabbitMQResource> AddLocalRabbitMQ(this IDistributedApplicationBuilder builder, string name)
    {
        var command = LocalServices.FindBinary(name, "CHATTORUM_RABBITMQ_SERVER", Candidates, "rabbitmq-server");
        var root = DataFolder.Root(builder);
        var kept = root is not null;
        var dataFolder = root is not null
            ? DataFolder.ForResource(builder, root, name)
            : LocalServices.CreateDataFolder(builder, name);
        var resource = new LocalRabbitMQResource(name, command, dataFolder);

        // Files that replace the machine-wide ones in /etc/rabbitmq, so the node ignores any system broker's setup.
        var configFile = Path.Combine(dataFolder, "rabbitmq.conf");
        File.WriteAllText(configFile, """
            log.console = true
            log.console.level = info
            log.file = false
            # The health check opens and drops an AMQP connection every few seconds.
            log.connection.level = error
            """);
        var pluginsFile = Path.Combine(dataFolder, "enabled_plugins");
        File.WriteAllText(pluginsFile, "[].\n");
        var envFile = Path.Combine(dataFolder, "rabbitmq-env.conf");
        File.WriteAllText(envFile, string.Empty);

        var nodeName = kept
            ? $"chattorum-{name}-{DataFolder.StableSuffix(dataFolder)}@localhost"
            : string.Create(CultureInfo.InvariantCulture, $"chattorum-{name}-{Environment.ProcessId}-{Random.Shared.Next(100_000, 999_999)}@localhost");

        var healthCheckKey = $"{name}_amqp";
        builder.Services.AddHealthChecks().AddCheck(healthCheckKey, ProtocolHealthCheck.AmqpHeader(resource.PrimaryEndpoint));

        return builder.AddResource(resource)
            .WithEndpoint(name: LocalRabbitMQResource.EndpointName, scheme: "tcp", env: "RABBITMQ_NODE_PORT")
            .WithEnvironment(context =>
            {
                var env = context.EnvironmentVariables;
                env["HOME"] = dataFolder;
                env["RABBITMQ_NODENAME"] = nodeName;
                env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                // The default is the node port + 20000, which can pass 65535 with a DCP-assigned port.
                env["RABBITMQ_DIST_PORT"] = LocalServices.GetFreePort().ToString(CultureInfo.InvariantCulture);
                env["RABBITMQ_MNESIA_BASE"] = Path.Combine(dataFolder, "mnesia");
                env["RABBITMQ_LOG_BASE"] = Path.Combine(dataFolder, "log");
                env["RABBITMQ_LOGS"] = "-";
                env["RABBITMQ_PID_FILE"] = Path.Combine(dataFolder, "rabbitmq.pid");
                env["RABBITMQ_CONFIG_FILE"] = configFile;
                env["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(dataFolder, "advanced.config");
                env["RABBITMQ_CONF_ENV_FILE"] = envFile;
                env["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsFile;
                // Keep Erlang distribution (and an epmd this node may start) on loopback.
                env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
                env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
            })
            .WithIconName("Mail")
            .WithHealthCheck(healthCheckKey);
    }
}
