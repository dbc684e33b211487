using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// A backing service of one node (the app model's Redis without <c>--redis-cluster</c>): a StatefulSet with a volume
/// claim, its client Service and its headless Service, from the image's <see cref="BackingServiceTemplate"/>.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    private List<IKubernetesObject> BackingService(AspireResource resource, SortedDictionary<string, string> serviceSecrets)
    {
        var template = BackingServiceTemplate.For(resource);
        var name = resource.Name;
        var labels = ComponentLabels(name, template.Component);
        var selector = Selector(name);
        var port = ContainerPort(resource);

        var env = BackingServiceEnvironment(resource, serviceSecrets);

        var servicePorts = new List<V1ServicePort>
        {
            new() { Name = template.PortName, Port = port, TargetPort = template.PortName, Protocol = "TCP" },
        };

        var container = new V1Container
        {
            Name = name,
            Image = resource.Image ?? throw new NotSupportedException($"Container '{name}' has no image."),
            Args = template.Args(resource),
            Ports = [new V1ContainerPort { Name = template.PortName, ContainerPort = port, Protocol = "TCP" }],
            Env = env,
            StartupProbe = template.StartupProbe,
            ReadinessProbe = template.ReadinessProbe,
            LivenessProbe = template.LivenessProbe,
            Resources = Resources(template.Sizing),
            SecurityContext = RestrictedContainerSecurityContext(),
            VolumeMounts = [new V1VolumeMount { Name = DataVolume, MountPath = template.DataPath }],
        };

        var pod = new V1PodSpec
        {
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            TerminationGracePeriodSeconds = template.TerminationGracePeriodSeconds,
            // The image's user from the start: its entrypoint then has no root to drop and execs Redis, which writes
            // only its data folder.
            SecurityContext = RestrictedPodSecurityContext(BackingServiceImageUserId, volumeGroup: true),
            Containers = [container],
        };
        var headless = HeadlessServiceName(resource);

        return
        [
            ClientService(name, labels, selector, servicePorts),
            HeadlessService(headless, labels, selector, servicePorts),
            StatefulSet(name, labels, selector, headless, replicas: 1, parallel: false, pod, template.StorageSize),
        ];
    }
}
