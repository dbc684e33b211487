using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// The step that forms the local Redis Cluster: an executable resource that runs
/// <c>redis-cli --cluster create N1 ... N6 --cluster-replicas 1 --cluster-yes</c> once every node answers PING, and exits.
/// It shows in the dashboard (with its log) under the cluster; the cluster resource turns Running when it exited 0.
/// </summary>
internal static class RedisClusterBootstrap
{
    /// <summary>The suffix of the bootstrap resource's name: <c>cache-create</c>.</summary>
    public const string NameSuffix = "-create";

    private const string Shell = "/bin/sh";

    /// <summary>
    /// Creates the cluster unless the first node already knows other nodes: restarting the step from the dashboard, or
    /// running it against nodes that kept their nodes.conf, must not fail on "node is not empty" or re-shard anything.
    /// Arguments: $1 redis-cli, $2 the replicas per primary, then every node as HOST:PORT (primaries first).
    /// </summary>
    private const string Script = """
        cli=$1; replicas=$2; shift 2
        first=$1
        known=$("$cli" -h "${first%:*}" -p "${first##*:}" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
        if [ -n "$known" ] && [ "$known" -gt 1 ]; then
            echo "$first already knows $known cluster nodes: the cluster exists, nothing to create."
            exit 0
        fi
        exec "$cli" --cluster create "$@" --cluster-replicas "$replicas" --cluster-yes
        """;

    public static IResourceBuilder<ExecutableResource> AddRedisClusterBootstrap(
        this IDistributedApplicationBuilder builder,
        IResourceBuilder<LocalRedisClusterResource> cluster,
        string redisCli)
    {
        var name = cluster.Resource.Name + NameSuffix;
        var bootstrap = builder.AddExecutable(name, Shell, LocalServices.CreateDataFolder(builder, name))
            .WithArgs(context =>
            {
                context.Args.Add("-c");
                context.Args.Add(Script);
                context.Args.Add(name); // $0
                context.Args.Add(redisCli);
                context.Args.Add(LocalRedisClusterResource.ReplicasPerPrimary.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var node in cluster.Resource.Nodes)
                {
                    context.Args.Add(ReferenceExpression.Create(
                        $"{LocalRedisClusterResource.Address}:{node.Endpoint.Property(EndpointProperty.Port)}"));
                }
            })
            .WithParentRelationship(cluster)
            .WithIconName("BranchFork");

        foreach (var node in cluster.Resource.Nodes)
        {
            // Healthy = answers PING: --cluster create fails on a node that does not listen yet.
            bootstrap.WaitFor(builder.CreateResourceBuilder(node));
        }

        return bootstrap;
    }
}
