using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s.Models;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The scripts of deploy/k8s-redis-cluster/ (the committed ConfigMap) run for real, with Debian's redis-server and
/// redis-cli standing in for the image's: the bootstrap Job forms a cluster of six pods, running it again changes nothing,
/// and after every pod was recreated at a new IP address the nodes find each other again (start.sh rewrites nodes.conf
/// from the pods' DNS names; without that, the cluster stays failed).
/// </summary>
public sealed partial class RedisClusterScriptTests(ITestOutputHelper output)
{
    private const int Pods = 6;
    private static readonly TimeSpan ClusterDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_job_forms_the_cluster_once_and_it_survives_every_pod_moving_to_a_new_address()
    {
        await using var cluster = new LocalRedisClusterPods(CommittedConfigMap(), Pods);
        var network = $"{Random.Shared.Next(100, 200)}.{Random.Shared.Next(0, 250)}";
        var moved = $"{Random.Shared.Next(200, 250)}.{Random.Shared.Next(0, 250)}";

        await cluster.StartAllAsync(network);
        var phase = Stopwatch.StartNew();
        var (exitCode, job) = await cluster.RunCreateJobAsync();
        Assert.True(exitCode == 0, $"create-cluster.sh exited {exitCode}:\n{job}\n{cluster.Log}");
        Assert.Contains("All 16384 slots covered", job, StringComparison.Ordinal);
        await cluster.WaitClusterOkAsync(ClusterDeadline);
        output.WriteLine($"formed, cluster_state:ok everywhere: {phase.Elapsed.TotalSeconds:F1} s");
        // The replicas' role reaches the other nodes by gossip, a moment after the slots.
        var before = await SettledRolesAsync(cluster);

        // Clients are told the pods' DNS names, not their addresses; a replica is listed once it has synced with its
        // primary (which takes the password, masterauth).
        var clock = Stopwatch.StartNew();
        while (await cluster.CommandAsync(0, "CLUSTER", "SLOTS") is var slots
            && !Enumerable.Range(0, Pods).All(i => slots.Contains(LocalRedisClusterPods.HostName(i), StringComparison.Ordinal)))
        {
            Assert.True(clock.Elapsed < ClusterDeadline, $"CLUSTER SLOTS did not name every pod within {ClusterDeadline}:\n{slots}\n{cluster.Log}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        output.WriteLine($"every replica synced: {phase.Elapsed.TotalSeconds:F1} s");

        // Again, as a re-applied or retried Job would: nothing changes.
        (exitCode, job) = await cluster.RunCreateJobAsync();
        Assert.Equal(0, exitCode);
        Assert.Contains("The cluster exists", job, StringComparison.Ordinal);

        // Every pod recreated with a new IP (a node pool upgrade): the cluster comes back with the same nodes and roles.
        phase.Restart();
        await cluster.StopAllAsync();
        output.WriteLine($"every pod stopped: {phase.Elapsed.TotalSeconds:F1} s");
        await cluster.StartAllAsync(moved);
        output.WriteLine($"back to cluster_state:ok at the new addresses after {(await cluster.WaitClusterOkAsync(ClusterDeadline)).TotalSeconds:F1} s");
        Assert.Equal(before, await SettledRolesAsync(cluster));
        var nodes = await cluster.CommandAsync(0, "CLUSTER", "NODES");
        Assert.All(cluster.Addresses, address => Assert.Contains($"{address}:{cluster.Port}@", nodes, StringComparison.Ordinal));
    }

    /// <summary>The first pod's view of the roles once it sees three primaries and three replicas (polled, with a deadline).</summary>
    private static async Task<Dictionary<string, string>> SettledRolesAsync(LocalRedisClusterPods cluster)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var nodes = await cluster.CommandAsync(0, "CLUSTER", "NODES");
            var roles = Roles(nodes);
            if (roles.Count == Pods && roles.Count(node => node.Value == "master") == Pods / 2)
            {
                return roles;
            }

            Assert.True(clock.Elapsed < ClusterDeadline, $"no three primaries and three replicas within {ClusterDeadline}:\n{nodes}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>CLUSTER NODES as node id to role (master or slave).</summary>
    private static Dictionary<string, string> Roles(string clusterNodes) =>
        NodeLine().Matches(clusterNodes).ToDictionary(match => match.Groups["id"].Value, match => match.Groups["role"].Value);

    private static IReadOnlyDictionary<string, string> CommittedConfigMap()
    {
        var path = Path.Combine(AspireManifestFixture.RepositoryRoot, "deploy", "k8s-redis-cluster", "cache.yaml");
        var objects = KubernetesManifestTests.Parse(File.ReadAllText(path));
        return (IReadOnlyDictionary<string, string>)objects.OfType<V1ConfigMap>().Single(map => map.Metadata.Name == "cache-config").Data;
    }

    [GeneratedRegex(@"^(?<id>[0-9a-f]{40}) \S+ (?:myself,)?(?<role>master|slave)", RegexOptions.Multiline)]
    private static partial Regex NodeLine();
}
