using System.Globalization;
using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// <c>--redis-cluster</c>: the app model's Redis becomes a Redis Cluster of <see cref="RedisClusterNodes"/> pods
/// (<see cref="RedisClusterPrimaries"/> primaries, one replica each) instead of one Redis. In its file: a ConfigMap (the
/// shared configuration and the scripts), a headless Service (a stable DNS name per pod), a StatefulSet (one volume claim
/// per pod, <c>cluster-enabled yes</c>), a Job that forms the cluster once, and a PodDisruptionBudget. The applications'
/// connection string lists every pod.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    public const int RedisClusterPrimaries = 3;
    public const int RedisClusterReplicasPerPrimary = 1;
    public const int RedisClusterNodes = RedisClusterPrimaries * (1 + RedisClusterReplicasPerPrimary);

    /// <summary>Redis's cluster bus: the client port + 10000.</summary>
    public const int RedisClusterBusPortOffset = 10000;

    /// <summary>How long the bootstrap Job may wait for the pods (pulling images, binding volumes) and form the cluster.</summary>
    public const int RedisClusterCreateDeadlineSeconds = 600;

    /// <summary>A finished bootstrap Job is removed after this long, so that a later apply may change it (a Job's pod template is immutable); running it again is harmless.</summary>
    public const int RedisClusterCreateTtlSeconds = 3600;

    private bool IsInClusterRedisCluster(AspireResource resource) =>
        options.RedisCluster && !options.ExternalServices && resource.IsContainer && BackingServiceTemplate.IsRedis(resource);

    /// <summary>
    /// The app model's connection string with its host:port replaced by every pod's DNS name (any pod may be a primary
    /// after a failover); the options that follow (the password) stay.
    /// </summary>
    private static string RedisClusterConnectionString(AspireResource resource, string evaluated)
    {
        var port = ContainerPort(resource);
        var comma = evaluated.IndexOf(',', StringComparison.Ordinal);
        var pods = Enumerable.Range(0, RedisClusterNodes)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"{resource.Name}-{i}.{HeadlessServiceName(resource)}:{port}"));
        return string.Join(',', pods) + (comma < 0 ? string.Empty : evaluated[comma..]);
    }

    private List<IKubernetesObject> RedisCluster(AspireResource resource, SortedDictionary<string, string> serviceSecrets)
    {
        var template = BackingServiceTemplate.For(resource);
        var name = resource.Name;
        var labels = ComponentLabels(name, template.Component);
        var selector = Selector(name);
        var service = HeadlessServiceName(resource);
        var configMap = $"{name}-config";
        var port = ContainerPort(resource);
        var busPort = port + RedisClusterBusPortOffset;
        var env = BackingServiceEnvironment(resource, serviceSecrets);
        var password = env.SingleOrDefault(variable => variable.Name == "REDIS_PASSWORD")
            ?? throw new NotSupportedException($"Container '{name}': expected REDIS_PASSWORD in the app model.");

        var nodeEnv = new List<V1EnvVar>
        {
            new() { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new() { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new() { Name = "SERVICE", Value = service },
        };
        nodeEnv.AddRange(env);

        var node = new V1Container
        {
            Name = name,
            Image = resource.Image ?? throw new NotSupportedException($"Container '{name}' has no image."),
            Command = ["sh", $"{RedisClusterScripts.MountPath}/{RedisClusterScripts.StartScript}"],
            Ports =
            [
                new V1ContainerPort { Name = template.PortName, ContainerPort = port, Protocol = "TCP" },
                new V1ContainerPort { Name = "bus", ContainerPort = busPort, Protocol = "TCP" },
            ],
            Env = nodeEnv,
            StartupProbe = template.StartupProbe,
            // Ready = answers PING, not cluster_state:ok: the pods must be reachable before the cluster can be formed,
            // and the chat nodes ride out a cluster that is failing over.
            ReadinessProbe = template.ReadinessProbe,
            LivenessProbe = template.LivenessProbe,
            Resources = Resources(template.Sizing),
            SecurityContext = RestrictedContainerSecurityContext(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = DataVolume, MountPath = RedisClusterScripts.DataPath },
                new V1VolumeMount { Name = ConfigVolume, MountPath = RedisClusterScripts.MountPath, ReadOnlyProperty = true },
            ],
        };

        var servicePorts = new List<V1ServicePort>
        {
            new() { Name = template.PortName, Port = port, TargetPort = template.PortName, Protocol = "TCP" },
            new() { Name = "bus", Port = busPort, TargetPort = "bus", Protocol = "TCP" },
        };

        // All at once (parallel): a node is of no use alone, and the cluster forms only when all of them answer.
        var pod = new V1PodSpec
        {
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            TerminationGracePeriodSeconds = template.TerminationGracePeriodSeconds,
            // The image's user: the scripts, not the image's entrypoint, start Redis, which writes only its volume.
            SecurityContext = RestrictedPodSecurityContext(BackingServiceImageUserId, volumeGroup: true),
            // A primary and its replica on one machine would fail together.
            TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = 1,
                    TopologyKey = "kubernetes.io/hostname",
                    WhenUnsatisfiable = "ScheduleAnyway",
                    LabelSelector = new V1LabelSelector { MatchLabels = selector },
                },
            ],
            Containers = [node],
            Volumes = [ConfigMapVolume(ConfigVolume, configMap)],
        };

        return
        [
            ConfigMap(configMap, labels, new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [RedisClusterScripts.ConfigFile] = RedisClusterScripts.Config(port),
                [RedisClusterScripts.CreateScript] = RedisClusterScripts.Create,
                [RedisClusterScripts.StartScript] = RedisClusterScripts.Start,
            }),
            // DNS names for pods that are not ready yet: the Job meets them, and restarting nodes find each other.
            HeadlessService(service, labels, selector, servicePorts),
            StatefulSet(name, labels, selector, service, RedisClusterNodes, parallel: true, pod, template.StorageSize),
            RedisClusterCreateJob(resource, labels, configMap, service, port, password),
            // One node at a time: its replica (or primary) stays up.
            DisruptionBudget(name, labels, selector),
        ];
    }

    private static V1Job RedisClusterCreateJob(
        AspireResource resource, IDictionary<string, string> clusterLabels, string configMap, string service, int port, V1EnvVar password)
    {
        var name = $"{resource.Name}-create";
        // Its own name label, so that the cluster's Services and disruption budget do not select its pod.
        var labels = new SortedDictionary<string, string>(clusterLabels, StringComparer.Ordinal) { [Labels.Name] = name };
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = Metadata(name, labels),
            Spec = new V1JobSpec
            {
                BackoffLimit = 10,
                ActiveDeadlineSeconds = RedisClusterCreateDeadlineSeconds,
                TtlSecondsAfterFinished = RedisClusterCreateTtlSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        RestartPolicy = "OnFailure",
                        SecurityContext = RestrictedPodSecurityContext(BackingServiceImageUserId, volumeGroup: false),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "create",
                                Image = resource.Image,
                                Command = ["sh", $"{RedisClusterScripts.MountPath}/{RedisClusterScripts.CreateScript}"],
                                Env =
                                [
                                    new V1EnvVar { Name = "NODES", Value = RedisClusterNodes.ToString(CultureInfo.InvariantCulture) },
                                    new V1EnvVar { Name = "PORT", Value = port.ToString(CultureInfo.InvariantCulture) },
                                    password,
                                    new V1EnvVar { Name = "REPLICAS", Value = RedisClusterReplicasPerPrimary.ToString(CultureInfo.InvariantCulture) },
                                    new V1EnvVar { Name = "SERVICE", Value = service },
                                    new V1EnvVar { Name = "STATEFULSET", Value = resource.Name },
                                ],
                                Resources = Resources(new Sizing("50m", "32Mi", "200m", "64Mi")),
                                SecurityContext = RestrictedContainerSecurityContext(),
                                VolumeMounts = [new V1VolumeMount { Name = ConfigVolume, MountPath = RedisClusterScripts.MountPath, ReadOnlyProperty = true }],
                            },
                        ],
                        Volumes = [ConfigMapVolume(ConfigVolume, configMap)],
                    },
                },
            },
        };
    }
}
