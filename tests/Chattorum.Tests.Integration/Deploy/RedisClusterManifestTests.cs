using Chattorum.Deploy;
using k8s;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// deploy/k8s-redis-cluster/ (<c>--redis-cluster</c>): six cluster-enabled Redis pods, each with its own volume and a stable
/// DNS name, a Job that forms the cluster, and a connection string that lists the pods; wired like the rest.
/// (<see cref="RedisClusterScriptTests"/> runs its scripts.)
/// </summary>
[Collection(DeployCollection.Name)]
public class RedisClusterManifestTests(AspireManifestFixture fixture)
{
    private const int Nodes = 6;

    [Fact]
    public void Redis_Cluster_manifests_are_wired_together() => AssertWired(Committed(), GeneratedSecrets(fixture.Manifest, new DeployOptions { RedisCluster = true }));

    [Fact]
    public void Six_cluster_enabled_nodes_each_keep_their_data_and_nodes_conf_on_their_own_volume_claim()
    {
        var objects = Committed();
        var statefulSet = Named<V1StatefulSet>(objects, "cache");
        var pod = statefulSet.Spec.Template.Spec;
        var node = Assert.Single(pod.Containers);
        var config = Named<V1ConfigMap>(objects, "cache-config").Data;
        var redisConf = config["redis.conf"].Split('\n').Select(line => line.Trim()).ToList();

        Assert.Equal(Nodes, statefulSet.Spec.Replicas);
        Assert.Equal("Parallel", statefulSet.Spec.PodManagementPolicy);
        Assert.Contains("cluster-enabled yes", redisConf);
        Assert.Contains("appendonly yes", redisConf);
        Assert.Contains("cluster-node-timeout 5000", redisConf);
        Assert.Contains("cluster-preferred-endpoint-type hostname", redisConf);

        // nodes.conf (the cluster's state) and the append-only file live on the pod's own claim.
        var claim = Assert.Single(statefulSet.Spec.VolumeClaimTemplates);
        var data = Assert.Single(node.VolumeMounts, mount => mount.Name == claim.Metadata.Name).MountPath;
        Assert.Contains($"dir {data}", redisConf);
        Assert.Contains($"cluster-config-file {data}/nodes.conf", redisConf);

        // Started by the ConfigMap's start.sh, which announces the pod's IP (downward API) and its stable DNS name.
        var configMount = Assert.Single(node.VolumeMounts, mount => pod.Volumes.FirstOrDefault(v => v.Name == mount.Name)?.ConfigMap?.Name == "cache-config");
        Assert.Equal(["sh", $"{configMount.MountPath}/start.sh"], node.Command);
        Assert.Equal("status.podIP", node.Env.Single(e => e.Name == "POD_IP").ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", node.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath);
        Assert.Equal(statefulSet.Spec.ServiceName, node.Env.Single(e => e.Name == "SERVICE").Value);
        var start = config["start.sh"];
        Assert.Contains($"redis-server {configMount.MountPath}/redis.conf", start, StringComparison.Ordinal);
        Assert.Contains("--cluster-announce-ip \"$POD_IP\"", start, StringComparison.Ordinal);
        Assert.Contains("--cluster-announce-hostname \"$POD_NAME.$SERVICE\"", start, StringComparison.Ordinal);
        Assert.Contains("--requirepass \"$REDIS_PASSWORD\"", start, StringComparison.Ordinal);
        Assert.Contains("--masterauth \"$REDIS_PASSWORD\"", start, StringComparison.Ordinal);
        Assert.Equal(
            ("chattorum-service-secrets", "cache-password"),
            (node.Env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Name, node.Env.Single(e => e.Name == "REDIS_PASSWORD").ValueFrom.SecretKeyRef.Key));

        // The headless Service gives every pod its DNS name, ready or not (the Job and restarting nodes need them early).
        var headless = Named<V1Service>(objects, statefulSet.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.Equal(6379, headless.Spec.Ports.Single(p => p.Name == "redis").Port);
        Assert.Equal(16379, node.Ports.Single(p => p.Name == "bus").ContainerPort);

        // One node down at a time, at most.
        Assert.Equal("1", Named<V1PodDisruptionBudget>(objects, "cache").Spec.MaxUnavailable.Value);
    }

    [Fact]
    public void A_job_forms_the_cluster_once_every_pod_answers()
    {
        var objects = Committed();
        var statefulSet = Named<V1StatefulSet>(objects, "cache");
        var job = Named<V1Job>(objects, "cache-create");
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        var env = container.Env.ToDictionary(e => e.Name);
        var script = Named<V1ConfigMap>(objects, "cache-config").Data["create-cluster.sh"];

        Assert.Equal(statefulSet.Spec.Template.Spec.Containers.Single().Image, container.Image);
        Assert.Equal(["sh", "/etc/redis/create-cluster.sh"], container.Command);
        Assert.Equal(Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), env["NODES"].Value);
        Assert.Equal("1", env["REPLICAS"].Value);
        Assert.Equal(statefulSet.Metadata.Name, env["STATEFULSET"].Value);
        Assert.Equal(statefulSet.Spec.ServiceName, env["SERVICE"].Value);
        Assert.Equal("6379", env["PORT"].Value);
        Assert.Equal("cache-password", env["REDIS_PASSWORD"].ValueFrom.SecretKeyRef.Key);
        Assert.Contains("redis-cli --cluster create $addresses --cluster-replicas \"$REPLICAS\" --cluster-yes", script, StringComparison.Ordinal);
        Assert.Contains("cluster_known_nodes", script, StringComparison.Ordinal);

        // Retried on failure within a deadline; its pod is not one of the cluster's (no Service or budget selects it).
        Assert.Equal("OnFailure", job.Spec.Template.Spec.RestartPolicy);
        Assert.NotNull(job.Spec.ActiveDeadlineSeconds);
        Assert.False(Selects(statefulSet.Spec.Selector.MatchLabels, job.Spec.Template.Metadata.Labels));
    }

    [Fact]
    public void The_applications_connection_string_lists_every_pod_with_the_clusters_password()
    {
        var objects = Committed();
        var secrets = GeneratedSecrets(fixture.Manifest, new DeployOptions { RedisCluster = true });
        var app = Named<V1Secret>(secrets, KubernetesGenerator.AppSecretName("chatapi")).StringData;
        var services = Named<V1Secret>(secrets, KubernetesGenerator.ServiceSecretName).StringData;
        var statefulSet = Named<V1StatefulSet>(objects, "cache");

        var pods = Enumerable.Range(0, Nodes).Select(i => $"cache-{i}.{statefulSet.Spec.ServiceName}:6379");
        Assert.Equal($"{string.Join(',', pods)},password={services["cache-password"]}", app["ConnectionStrings__cache"]);
    }

    [Fact]
    public void With_external_services_a_managed_cluster_is_given_like_any_managed_Redis()
    {
        var external = Generate(new DeployOptions { ExternalServices = true });
        var externalCluster = Generate(new DeployOptions { ExternalServices = true, RedisCluster = true });

        Assert.Equal(external.Select(KubernetesYaml.Serialize), externalCluster.Select(KubernetesYaml.Serialize));
        Assert.Empty(externalCluster.OfType<V1StatefulSet>());
        Assert.Empty(externalCluster.OfType<V1Job>());
    }

    private static List<IKubernetesObject> Committed() =>
        KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedRedisClusterFolder).Select(o => o.Object).ToList();

    private List<IKubernetesObject> Generate(DeployOptions options) =>
        new KubernetesGenerator(fixture.Manifest, options).Generate()
            .SelectMany(file => KubernetesManifestTests.Parse(file.Content))
            .ToList();
}
