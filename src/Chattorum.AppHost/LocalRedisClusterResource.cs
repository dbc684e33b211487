using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// The local Redis Cluster as the chat nodes see it: <c>ConnectionStrings:{name}</c> lists the primaries
/// (<c>127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3</c>), from which StackExchange.Redis discovers the whole cluster.
/// It runs nothing itself: its <see cref="Nodes"/> are the processes, and a bootstrap resource forms the cluster.
/// It is Running once the bootstrap has succeeded, and healthy while every node says <c>cluster_state:ok</c>.
/// </summary>
internal sealed class LocalRedisClusterResource(string name) : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>Three primaries, each with one replica (<c>redis-cli --cluster create ... --cluster-replicas 1</c>).</summary>
    public const int PrimaryCount = 3;

    public const int ReplicasPerPrimary = 1;

    public const int NodeCount = PrimaryCount * (1 + ReplicasPerPrimary);

    /// <summary>
    /// The address the nodes bind and announce. Not <c>localhost</c>: a client given <c>localhost</c> may try ::1 first,
    /// and would know each node under two names once the cluster reports it as 127.0.0.1.
    /// </summary>
    public const string Address = "127.0.0.1";

    /// <summary>
    /// Every node, in the order given to <c>redis-cli --cluster create</c>. With all nodes on one address, redis-cli
    /// makes the first <see cref="PrimaryCount"/> of them primaries and the others their replicas.
    /// </summary>
    public List<LocalRedisClusterNodeResource> Nodes { get; } = [];

    public IEnumerable<LocalRedisClusterNodeResource> Primaries => Nodes.Take(PrimaryCount);

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            var first = true;
            foreach (var primary in Primaries)
            {
                builder.AppendLiteral(first ? $"{Address}:" : $",{Address}:");
                builder.AppendFormatted(primary.Endpoint.Property(EndpointProperty.Port));
                first = false;
            }

            return builder.Build();
        }
    }
}
