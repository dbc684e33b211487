using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// Policies: how many pods run (the autoscaler), how many may be taken at once (the disruption budget), and what a pod's
/// processes may do (the security contexts).
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>The most replicas the autoscaler may run of a replicated application.</summary>
    public const int MaxReplicas = 10;

    public const int TargetCpuUtilization = 70;

    /// <summary>The uid and gid of the .NET images' non-root <c>app</c> user (the applications' <c>ContainerUser</c>).</summary>
    public const long DotNetImageUserId = 1654;

    /// <summary>The uid and gid of the <c>redis</c> and <c>rabbitmq</c> images' own users.</summary>
    public const long BackingServiceImageUserId = 999;

    /// <summary>The size of a <see cref="ScratchVolume"/>: temporary files and sockets, not data.</summary>
    public const string ScratchVolumeSize = "64Mi";

    private const string RuntimeDefaultSeccomp = "RuntimeDefault";

    private static V2HorizontalPodAutoscaler Autoscaler(string name, IDictionary<string, string> labels, int replicas) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = Metadata(name, labels),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name },
            MinReplicas = replicas,
            MaxReplicas = Math.Max(replicas, MaxReplicas),
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = TargetCpuUtilization },
                    },
                },
            ],
            // Scaling down closes WebSockets (clients reconnect and resume): slowly, one pod at a time.
            Behavior = new V2HorizontalPodAutoscalerBehavior
            {
                ScaleDown = new V2HPAScalingRules
                {
                    StabilizationWindowSeconds = 300,
                    Policies = [new V2HPAScalingPolicy { Type = "Pods", Value = 1, PeriodSeconds = 120 }],
                },
            },
        },
    };

    /// <summary>Voluntary disruptions (node drains, upgrades) take one pod at a time: the others keep serving.</summary>
    private static V1PodDisruptionBudget DisruptionBudget(string name, IDictionary<string, string> labels, IDictionary<string, string> selector) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Metadata(name, labels),
        Spec = new V1PodDisruptionBudgetSpec
        {
            MaxUnavailable = 1,
            Selector = new V1LabelSelector { MatchLabels = selector },
        },
    };

    /// <summary>
    /// Every pod meets the Restricted Pod Security Standard (<see cref="PodSecurityStandard"/>, which checks the generated
    /// pods): it runs as its image's non-root user, under the runtime's default seccomp profile, with
    /// <paramref name="volumeGroup"/> the owner group of its volumes (its data volume is then writable by that user
    /// whoever provisioned it).
    /// </summary>
    private static V1PodSecurityContext RestrictedPodSecurityContext(long userId, bool volumeGroup) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = userId,
        RunAsGroup = userId,
        FsGroup = volumeGroup ? userId : null,
        SeccompProfile = new V1SeccompProfile { Type = RuntimeDefaultSeccomp },
    };

    /// <summary>
    /// Every container: no privilege escalation, no capabilities, and a read-only root filesystem; what a process must
    /// write goes to a volume (its data volume, or a <see cref="ScratchVolume"/>).
    /// </summary>
    private static V1SecurityContext RestrictedContainerSecurityContext() => new()
    {
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        ReadOnlyRootFilesystem = true,
    };

    /// <summary>A writable folder on a read-only root filesystem, emptied when the pod goes, of at most <see cref="ScratchVolumeSize"/>.</summary>
    private static V1Volume ScratchVolume(string name) => new()
    {
        Name = name,
        EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity(ScratchVolumeSize) },
    };

    /// <summary>Refuses objects with a pod that breaks the Restricted profile: nothing generated may need a weaker namespace.</summary>
    internal static void RequireRestricted(string file, IEnumerable<IKubernetesObject> objects)
    {
        var violations = PodSecurityStandard.PodTemplates(objects)
            .SelectMany(pod => PodSecurityStandard.RestrictedViolations(pod.Template).Select(violation => $"{pod.Name}: {violation}"))
            .ToList();
        if (violations.Count > 0)
        {
            throw new NotSupportedException($"{file} breaks the Restricted Pod Security Standard: {string.Join("; ", violations)}");
        }
    }
}
