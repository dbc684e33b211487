using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.AppHost;

/// <summary>
/// RabbitMQ run from the Debian package's foreground script (<c>/usr/lib/rabbitmq/bin/rabbitmq-server</c>) as a private
/// node, for machines without a container runtime. It boots with a definitions file (<see cref="BrokerUsersExtensions"/>):
/// an administrator, whose AMQP URI (to DCP's proxy for the <c>tcp</c> endpoint) is this resource's connection string,
/// and one user per service with only that service's rights. Importing definitions creates no <c>guest</c> user.
/// </summary>
internal sealed class LocalRabbitMQResource(string name, string command, string dataFolder, ParameterResource adminPassword)
    : LocalServiceResource(name, command, dataFolder)
{
    /// <summary>The operator's user, with every right: the dashboard's connection string for this resource.</summary>
    public const string AdminUser = "admin";

    public ParameterResource AdminPassword { get; } = adminPassword;

    public string DefinitionsFile => Path.Combine(DataFolder, "definitions.json");

    public override ReferenceExpression ConnectionStringExpression => ConnectionStringFor(AdminUser, AdminPassword);

    public ReferenceExpression ConnectionStringFor(string user, ParameterResource password) => ReferenceExpression.Create(
        $"amqp://{user}:{password}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
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
        // Generated once and kept in the AppHost's user secrets, like the token signing key.
        var adminPassword = builder.AddParameter($"{name}-{LocalRabbitMQResource.AdminUser}-password", new GenerateParameterDefault { MinLength = BrokerUsersExtensions.PasswordLength, Special = false }, secret: true, persist: true);
        var resource = new LocalRabbitMQResource(name, command, dataFolder, adminPassword.Resource);
        var users = new BrokerUsersAnnotation(resource.DefinitionsFile, LocalRabbitMQResource.AdminUser, adminPassword.Resource, resource.ConnectionStringFor);

        // Files that replace the machine-wide ones in /etc/rabbitmq, so the node ignores any system broker's setup.
        var configFile = Path.Combine(dataFolder, "rabbitmq.conf");
        File.WriteAllText(configFile, """
            log.console = true
            log.console.level = info
            log.file = false
            # The health check opens and drops an AMQP connection every few seconds.
            log.connection.level = error
            """ + $"\nload_definitions = {resource.DefinitionsFile}\n");
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
            .WithHealthCheck(healthCheckKey)
            .WithAnnotation(users)
            .OnBeforeResourceStarted((_, _, cancellationToken) => users.WriteDefinitionsAsync(cancellationToken));
    }
}
