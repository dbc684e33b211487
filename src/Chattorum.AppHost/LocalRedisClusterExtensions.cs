using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chattorum.AppHost;

internal static class LocalRedisClusterExtensions
{
    private static readonly string[] ServerCandidates = ["/usr/bin/redis-server", "redis-server"];
    private static readonly string[] CliCandidates = ["/usr/bin/redis-cli", "redis-cli"];

    /// <summary>
    /// How long a node may be unreachable before the others fail it over to its replica: a few seconds, so that a killed
    /// primary costs seconds, not Redis's default 15.
    /// </summary>
    public const int NodeTimeoutMilliseconds = 5000;

    /// <summary>Why the cluster needs the Debian binaries even where containers run (for the error when they are missing).</summary>
    private const string LocalOnlyReason =
        $"the Redis Cluster mode ({RedisClusterSwitch.ConfigurationKey}) runs its nodes as local processes, with or without a container runtime";

    /// <summary>
    /// Adds a Redis Cluster of <see cref="LocalRedisClusterResource.NodeCount"/> local <c>redis-server</c> processes
    /// (<c>{name}-node-0</c> ... <c>-5</c>, append-only, <see cref="NodeTimeoutMilliseconds"/> node timeout, data in the
    /// run folder), the bootstrap step that forms it (<c>{name}-create</c>), and the resource <paramref name="name"/> that
    /// services reference and wait for: its connection string lists the primaries.
    /// </summary>
    public static IResourceBuilder<LocalRedisClusterResource> AddLocalRedisCluster(this IDistributedApplicationBuilder builder, string name)
    {
        var server = LocalServices.FindBinary(name, "CHATTORUM_REDIS_SERVER", ServerCandidates, "redis-server", LocalOnlyReason);
        var cli = LocalServices.FindBinary(name, "CHATTORUM_REDIS_CLI", CliCandidates, "redis-tools", LocalOnlyReason);

        var cluster = builder.AddResource(new LocalRedisClusterResource(name))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithIconName("DatabaseStack");

        for (var i = 0; i < LocalRedisClusterResource.NodeCount; i++)
        {
            cluster.Resource.Nodes.Add(builder.AddLocalRedisClusterNode(cluster, $"{name}-node-{i.ToString(CultureInfo.InvariantCulture)}", server).Resource);
        }

        var bootstrap = builder.AddRedisClusterBootstrap(cluster, cli);

        var healthCheckKey = $"{name}_cluster_state";
        builder.Services.AddHealthChecks().AddCheck(healthCheckKey, new RedisClusterHealthCheck(cluster.Resource));

        return cluster
            .WithHealthCheck(healthCheckKey)
            .OnInitializeResource((resource, initialize, cancellationToken) =>
            {
                // In the background: initialization of the other resources must not wait for the cluster.
                _ = FollowBootstrapAsync(resource, bootstrap.Resource, initialize, cancellationToken);
                return Task.CompletedTask;
            });
    }

    private static IResourceBuilder<LocalRedisClusterNodeResource> AddLocalRedisClusterNode(
        this IDistributedApplicationBuilder builder, IResourceBuilder<LocalRedisClusterResource> cluster, string name, string server)
    {
        var dataFolder = LocalServices.CreateDataFolder(builder, name);
        var node = new LocalRedisClusterNodeResource(name, server, dataFolder);

        var healthCheckKey = $"{name}_ping";
        builder.Services.AddHealthChecks().AddCheck(healthCheckKey, ProtocolHealthCheck.RedisPing(node.Endpoint, LocalRedisClusterResource.Address));

        return builder.AddResource(node)
            .WithEndpoint(name: LocalRedisClusterNodeResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithEndpoint(name: LocalRedisClusterNodeResource.BusEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                void Add(string option, object value)
                {
                    context.Args.Add(option);
                    context.Args.Add(value);
                }

                Add("--port", node.Endpoint.Property(EndpointProperty.TargetPort));
                Add("--cluster-port", node.BusEndpoint.Property(EndpointProperty.TargetPort));
                Add("--bind", LocalRedisClusterResource.Address);
                // What the node tells clients (CLUSTER SLOTS, MOVED) and the other nodes: the address it listens on.
                Add("--cluster-announce-ip", LocalRedisClusterResource.Address);
                Add("--cluster-enabled", "yes");
                Add("--cluster-config-file", "nodes.conf");
                Add("--cluster-node-timeout", NodeTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture));
                Add("--dir", dataFolder);
                Add("--pidfile", Path.Combine(dataFolder, "redis.pid"));
                Add("--save", string.Empty);
                Add("--appendonly", "yes");
                // A replica syncs at once rather than after Redis's default 5 s wait for more replicas to share one
                // transfer: each primary here has one.
                Add("--repl-diskless-sync-delay", "0");
            })
            .WithParentRelationship(cluster)
            .WithIconName("Database")
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// The cluster resource runs nothing: it is Waiting until the bootstrap step has ended, then Running if it exited 0
    /// (from then on its health check decides whether services that wait for it may start), FailedToStart otherwise.
    /// </summary>
    private static async Task FollowBootstrapAsync(
        LocalRedisClusterResource cluster, ExecutableResource bootstrap, InitializeResourceEvent initialize, CancellationToken cancellationToken)
    {
        var notifications = initialize.Notifications;
        try
        {
            await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.Waiting }).ConfigureAwait(false);
            var ended = await notifications.WaitForResourceAsync(
                bootstrap.Name,
                resourceEvent => resourceEvent.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state),
                cancellationToken).ConfigureAwait(false);

            if (ended.Snapshot.ExitCode == 0)
            {
                initialize.Logger.LogInformation("{Bootstrap} formed the cluster: {Primaries} primaries, {Replicas} replica each.", bootstrap.Name, LocalRedisClusterResource.PrimaryCount, LocalRedisClusterResource.ReplicasPerPrimary);
                await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false);
            }
            else
            {
                initialize.Logger.LogError("{Bootstrap} ended {State} (exit code {ExitCode}): see its log. The cluster was not formed.", bootstrap.Name, ended.Snapshot.State?.Text, ended.Snapshot.ExitCode);
                await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.FailedToStart }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }
}
