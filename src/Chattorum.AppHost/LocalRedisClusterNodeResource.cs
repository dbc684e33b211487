using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// One node of the local Redis Cluster: Debian's <c>redis-server</c> with <c>cluster-enabled yes</c>, as a plain process.
/// Its two endpoints are not proxied by DCP: a cluster node tells clients where the slots live (CLUSTER SLOTS, MOVED and
/// ASK redirects) by the address it listens on, so clients must reach that very port, not a proxy in front of it.
/// </summary>
internal sealed class LocalRedisClusterNodeResource(string name, string command, string dataFolder)
    : ExecutableResource(name, command, dataFolder)
{
    /// <summary>The client port (RESP).</summary>
    public const string EndpointName = "tcp";

    /// <summary>
    /// The cluster bus (node to node). Redis's default is the client port + 10000, which could land on a port the kernel
    /// hands out for outgoing connections, or on another resource's: Aspire allocates this one like the client port.
    /// </summary>
    public const string BusEndpointName = "bus";

    private EndpointReference? endpoint;
    private EndpointReference? busEndpoint;

    public string DataFolder { get; } = dataFolder;

    public EndpointReference Endpoint => endpoint ??= new(this, EndpointName);

    public EndpointReference BusEndpoint => busEndpoint ??= new(this, BusEndpointName);
}
