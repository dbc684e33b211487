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

    /// <summary>The uid and gid of the <c>redis</c> and <c>rabbitmq</c> images' own users.</summary>
    private const long BackingServiceImageUserId = 999;

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

    /// <summary>An application's container: no privilege escalation, no capabilities.</summary>
    private static V1SecurityContext ApplicationContainerSecurityContext() => new()
    {
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    /// <summary>One Redis through the image's entrypoint: the image's users (uid and gid 999) may write the volume whoever provisioned it.</summary>
    private static V1PodSecurityContext VolumeGroupSecurityContext() => new() { FsGroup = BackingServiceImageUserId };

    /// <summary>
    /// A backing service's pod that runs as the image's own user (the Redis Cluster's, whose scripts start Redis, and
    /// RabbitMQ's), which may write the volume whoever provisioned it.
    /// </summary>
    private static V1PodSecurityContext ImageUserSecurityContext() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = BackingServiceImageUserId,
        RunAsGroup = BackingServiceImageUserId,
        FsGroup = BackingServiceImageUserId,
    };
}
