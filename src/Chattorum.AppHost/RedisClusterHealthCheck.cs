using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chattorum.AppHost;

/// <summary>
/// The local Redis Cluster is healthy when every node's <c>CLUSTER INFO</c> says <c>cluster_state:ok</c>. Asking every
/// node, not one: right after <c>--cluster create</c> a replica may not have learnt the slot map yet, and a client that
/// lands on it would be redirected nowhere.
/// </summary>
internal sealed class RedisClusterHealthCheck(LocalRedisClusterResource cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var results = await Task.WhenAll(cluster.Nodes.Select(async node =>
        {
            var check = ProtocolHealthCheck.RedisClusterStateOk(node.Endpoint, LocalRedisClusterResource.Address);
            return (node.Name, Result: await check.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false));
        })).ConfigureAwait(false);

        var failed = results.Where(result => result.Result.Status != HealthStatus.Healthy).ToList();
        return failed.Count == 0
            ? HealthCheckResult.Healthy($"{results.Length} nodes report cluster_state:ok.")
            : HealthCheckResult.Unhealthy(string.Join("; ", failed.Select(node => $"{node.Name}: {node.Result.Description}")));
    }
}
