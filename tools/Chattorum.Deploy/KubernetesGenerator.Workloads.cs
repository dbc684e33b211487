using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// Workloads: each project of the app model as a Deployment, with its ConfigMap, Secret keys, Services, Ingress and
/// policies gathered in its file; the pod spec and its container (image, ports, probes, sizing, shutdown).
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>The port every application serves its clients on in its container: the only one its Service exposes.</summary>
    public const int HttpPort = 8080;

    /// <summary>
    /// The name of the container port the probes answer on (<see cref="ProjectDeployment.ProbePort"/>), and nothing else:
    /// no Service exposes it, so <c>/health</c> and <c>/alive</c> are out of the Ingress's reach.
    /// </summary>
    public const string ManagementPortName = "management";

    /// <summary>
    /// How long a pod of an externally reached application waits after it is marked terminating, before it gets SIGTERM:
    /// time for the endpoint controllers and the ingress controller to stop sending it new connections.
    /// </summary>
    public const int PreStopSleepSeconds = 10;

    /// <summary>
    /// The grace period of such a pod: the <c>preStop</c> pause, then ChatApi's shutdown (every WebSocket closed with 1001
    /// after its queue is flushed, a 5 s close deadline, then the host's own stop) with room to spare.
    /// </summary>
    public const int TerminationGracePeriodSeconds = PreStopSleepSeconds + 35;

    /// <summary>The .NET runtime's temporary files (its diagnostics socket) on the read-only root filesystem.</summary>
    private const string TempVolume = "tmp";
    private const string TempPath = "/tmp";

    /// <summary>The endpoint every project must have: the probes and the Service use it.</summary>
    private const string HttpEndpoint = "http";

    private List<IKubernetesObject> Project(AspireResource project, SortedDictionary<string, string> appSecrets)
    {
        var name = project.Name;
        var deployment = DeploymentOf(project);
        var labels = ComponentLabels(name, deployment.Component);
        var selector = Selector(name);

        var http = project.Bindings.FirstOrDefault(binding => binding.Name == HttpEndpoint)
            ?? throw new NotSupportedException($"Project '{name}' has no '{HttpEndpoint}' endpoint: its Service needs one.");
        if (deployment.ProbePort == HttpPort)
        {
            throw new NotSupportedException($"Project '{name}': its probes' port must not be its clients' port {HttpPort}, which the Service exposes.");
        }

        var external = project.Bindings.Any(binding => binding.External);
        var replicated = project.Replicas > 1;

        var settings = ProjectSettings(project, deployment, appSecrets);
        settings.Env.AddRange(OtlpAuthenticationEnvironment());
        var container = ProjectContainer(project, deployment, http, settings.Env, external);
        var objects = new List<IKubernetesObject>
        {
            ConfigMap(settings.ConfigMapName, labels, settings.Config),
            Deployment(project, labels, selector, container, external),
        };

        if (external)
        {
            objects.AddRange(Routes(name, labels, selector, http));
        }

        if (replicated)
        {
            objects.Add(Autoscaler(name, labels, project.Replicas));
            objects.Add(DisruptionBudget(name, labels, selector));
        }

        return objects;
    }

    private V1Container ProjectContainer(AspireResource project, ProjectDeployment deployment, AspireBinding http, List<V1EnvVar> env, bool external) => new()
    {
        Name = project.Name,
        Image = Image(deployment),
        Ports =
        [
            new V1ContainerPort { Name = http.Name, ContainerPort = HttpPort, Protocol = "TCP" },
            new V1ContainerPort { Name = ManagementPortName, ContainerPort = deployment.ProbePort, Protocol = "TCP" },
        ],
        Env = env,
        StartupProbe = HttpProbe(deployment.AlivePath, ManagementPortName, periodSeconds: 2, failureThreshold: 30),
        ReadinessProbe = HttpProbe(deployment.ReadyPath, ManagementPortName, periodSeconds: 5, failureThreshold: 2),
        LivenessProbe = HttpProbe(deployment.AlivePath, ManagementPortName, periodSeconds: 10, failureThreshold: 3),
        Resources = Resources(deployment.Sizing),
        Lifecycle = external
            ? new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = PreStopSleepSeconds } } }
            : null,
        SecurityContext = RestrictedContainerSecurityContext(),
        VolumeMounts = [new V1VolumeMount { Name = TempVolume, MountPath = TempPath }],
    };

    private static V1Deployment Deployment(AspireResource project, IDictionary<string, string> labels, IDictionary<string, string> selector, V1Container container, bool external)
    {
        var replicated = project.Replicas > 1;
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(project.Name, labels),
            Spec = new V1DeploymentSpec
            {
                Replicas = project.Replicas,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Strategy = replicated
                    ? new V1DeploymentStrategy
                    {
                        Type = "RollingUpdate",
                        RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 1, MaxUnavailable = 0 },
                    }
                    : null,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        TerminationGracePeriodSeconds = external ? TerminationGracePeriodSeconds : null,
                        SecurityContext = RestrictedPodSecurityContext(DotNetImageUserId, volumeGroup: false),
                        TopologySpreadConstraints = replicated ? [SpreadOverNodes(selector)] : null,
                        Containers = [container],
                        Volumes = [ScratchVolume(TempVolume)],
                    },
                },
            },
        };
    }

    /// <summary>Replicas on different machines where there are enough: one machine lost takes one replica.</summary>
    private static V1TopologySpreadConstraint SpreadOverNodes(IDictionary<string, string> selector) => new()
    {
        MaxSkew = 1,
        TopologyKey = "kubernetes.io/hostname",
        WhenUnsatisfiable = "ScheduleAnyway",
        LabelSelector = new V1LabelSelector { MatchLabels = selector },
    };

    private string Image(ProjectDeployment deployment) => ImageReference.Of(options.ImageRegistry, deployment.ImageRepository, options.Tag);

    private static V1Probe HttpProbe(string path, string port, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 3,
        FailureThreshold = failureThreshold,
    };

    private static V1ResourceRequirements Resources(Sizing sizing) => new()
    {
        Requests = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(sizing.CpuRequest),
            ["memory"] = new(sizing.MemoryRequest),
        },
        Limits = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(sizing.CpuLimit),
            ["memory"] = new(sizing.MemoryLimit),
        },
    };
}
