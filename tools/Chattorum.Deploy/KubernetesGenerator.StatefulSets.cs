using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// The building blocks every stateful backing service shares (one Redis node, the Redis Cluster, the RabbitMQ cluster):
/// its StatefulSet with one volume claim per pod, its ConfigMap volumes, its headless Service's name (the Services
/// themselves: <c>KubernetesGenerator.Routes.cs</c>; the disruption budget: <c>.Policies.cs</c>).
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>The volume claim (and volume) each pod of a StatefulSet keeps its data on.</summary>
    private const string DataVolume = "data";

    /// <summary>The volume of a backing service's ConfigMap (its configuration, its scripts).</summary>
    private const string ConfigVolume = "config";

    private static string HeadlessServiceName(AspireResource resource) => $"{resource.Name}-headless";

    /// <summary>The port a container's one endpoint listens on.</summary>
    private static int ContainerPort(AspireResource resource)
    {
        var binding = resource.Bindings.SingleOrDefault()
            ?? throw new NotSupportedException($"Container '{resource.Name}' must have exactly one endpoint.");
        return binding.TargetPort ?? throw new NotSupportedException($"Endpoint '{resource.Name}.{binding.Name}' has no target port.");
    }

    /// <summary>A ConfigMap as a volume: every key as a file, or only <paramref name="items"/> (key, file name).</summary>
    private static V1Volume ConfigMapVolume(string volume, string configMap, params (string Key, string Path)[] items) => new()
    {
        Name = volume,
        ConfigMap = new V1ConfigMapVolumeSource
        {
            Name = configMap,
            Items = items.Length == 0 ? null : items.Select(item => new V1KeyToPath { Key = item.Key, Path = item.Path }).ToList(),
        },
    };

    /// <summary>
    /// A StatefulSet whose pods each get a <see cref="DataVolume"/> claim of <paramref name="storageSize"/>.
    /// <paramref name="parallel"/> starts every pod at once: cluster members are of no use alone and must meet each other.
    /// </summary>
    private static V1StatefulSet StatefulSet(
        string name,
        IDictionary<string, string> labels,
        IDictionary<string, string> selector,
        string serviceName,
        int replicas,
        bool parallel,
        V1PodSpec pod,
        string storageSize) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = Metadata(name, labels),
        Spec = new V1StatefulSetSpec
        {
            ServiceName = serviceName,
            Replicas = replicas,
            PodManagementPolicy = parallel ? "Parallel" : null,
            Selector = new V1LabelSelector { MatchLabels = selector },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = labels },
                Spec = pod,
            },
            VolumeClaimTemplates =
            [
                new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = DataVolume, Labels = labels },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(storageSize) },
                        },
                    },
                },
            ],
        },
    };
}
