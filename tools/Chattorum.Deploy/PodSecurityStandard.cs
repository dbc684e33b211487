using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// The Restricted profile of the Kubernetes Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards,
/// everything of Baseline plus Restricted's own controls), checked offline on a pod template: what the Pod Security
/// Admission controller of a namespace labelled <c>pod-security.kubernetes.io/enforce: restricted</c> would refuse.
/// Every container counts: containers, init containers and ephemeral containers. The three controls the standard limits
/// to Linux (privilege escalation, seccomp, capabilities) are not required of a pod whose <c>spec.os.name</c> is
/// <c>windows</c>.
/// </summary>
internal static class PodSecurityStandard
{
    /// <summary>Baseline's capabilities a container may add; Restricted allows only <see cref="RestrictedAddableCapability"/>.</summary>
    public static readonly IReadOnlySet<string> BaselineAddableCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
        "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    public const string RestrictedAddableCapability = "NET_BIND_SERVICE";

    /// <summary>The "safe" sysctls Baseline allows (those of Kubernetes 1.29 and later included).</summary>
    public static readonly IReadOnlySet<string> SafeSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    };

    public static readonly IReadOnlySet<string> AllowedSeLinuxTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "container_t", "container_init_t", "container_kvm_t", "container_engine_t",
    };

    /// <summary>Seccomp and AppArmor profile types a pod may name: the runtime's default, or one on the node.</summary>
    public static readonly IReadOnlySet<string> ConfinedProfileTypes = new HashSet<string>(StringComparer.Ordinal) { "RuntimeDefault", "Localhost" };

    private const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    /// <summary>One container of any kind, as the controls see it.</summary>
    private sealed record Container(
        string Path,
        V1SecurityContext? SecurityContext,
        IList<V1ContainerPort>? Ports,
        IEnumerable<V1Probe?> Probes,
        V1Lifecycle? Lifecycle);

    /// <summary>The pod template of every workload among <paramref name="objects"/>, with the workload's kind and name.</summary>
    public static IEnumerable<(string Name, V1PodTemplateSpec Template)> PodTemplates(IEnumerable<IKubernetesObject> objects)
    {
        foreach (var item in objects)
        {
            var template = item switch
            {
                V1Deployment deployment => deployment.Spec.Template,
                V1StatefulSet statefulSet => statefulSet.Spec.Template,
                V1DaemonSet daemonSet => daemonSet.Spec.Template,
                V1ReplicaSet replicaSet => replicaSet.Spec.Template,
                V1Job job => job.Spec.Template,
                V1CronJob cronJob => cronJob.Spec.JobTemplate.Spec.Template,
                V1Pod pod => new V1PodTemplateSpec { Metadata = pod.Metadata, Spec = pod.Spec },
                _ => null,
            };
            if (template is not null)
            {
                yield return ($"{item.Kind} {((IMetadata<V1ObjectMeta>)item).Metadata?.Name}", template);
            }
        }
    }

    /// <summary>Every rule <paramref name="template"/> breaks, each naming the field; empty when it meets the Restricted profile.</summary>
    public static IReadOnlyList<string> RestrictedViolations(V1PodTemplateSpec template) =>
        RestrictedViolations(template.Spec, template.Metadata?.Annotations);

    public static IReadOnlyList<string> RestrictedViolations(V1PodSpec pod, IDictionary<string, string>? annotations = null)
    {
        var violations = new List<string>();
        var containers = Containers(pod).ToList();
        var podContext = pod.SecurityContext;
        var linux = !string.Equals(pod.Os?.Name, "windows", StringComparison.Ordinal);

        HostProcess(podContext, containers, violations);
        HostNamespaces(pod, violations);
        Privileged(containers, violations);
        Capabilities(containers, linux, violations);
        Volumes(pod, violations);
        HostPorts(containers, violations);
        HostProbes(containers, violations);
        AppArmor(podContext, containers, annotations, violations);
        SeLinux(podContext, containers, violations);
        ProcMount(containers, violations);
        Seccomp(podContext, containers, linux, violations);
        Sysctls(podContext, violations);
        PrivilegeEscalation(containers, linux, violations);
        NonRoot(podContext, containers, violations);
        return violations;
    }

    private static IEnumerable<Container> Containers(V1PodSpec pod) =>
        (pod.Containers ?? []).Select((c, i) => new Container($"spec.containers[{i}] ({c.Name})", c.SecurityContext, c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle))
        .Concat((pod.InitContainers ?? []).Select((c, i) => new Container($"spec.initContainers[{i}] ({c.Name})", c.SecurityContext, c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle)))
        .Concat((pod.EphemeralContainers ?? []).Select((c, i) => new Container($"spec.ephemeralContainers[{i}] ({c.Name})", c.SecurityContext, c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle)));

    private static void HostProcess(V1PodSecurityContext? pod, List<Container> containers, List<string> violations)
    {
        if (pod?.WindowsOptions?.HostProcess == true)
        {
            violations.Add("spec.securityContext.windowsOptions.hostProcess must be false or unset");
        }

        violations.AddRange(containers.Where(c => c.SecurityContext?.WindowsOptions?.HostProcess == true)
            .Select(c => $"{c.Path}.securityContext.windowsOptions.hostProcess must be false or unset"));
    }

    private static void HostNamespaces(V1PodSpec pod, List<string> violations)
    {
        foreach (var (field, value) in new[] { ("hostNetwork", pod.HostNetwork), ("hostPID", pod.HostPID), ("hostIPC", pod.HostIPC) })
        {
            if (value == true)
            {
                violations.Add($"spec.{field} must be false or unset: no host namespaces");
            }
        }
    }

    private static void Privileged(List<Container> containers, List<string> violations) =>
        violations.AddRange(containers.Where(c => c.SecurityContext?.Privileged == true).Select(c => $"{c.Path}.securityContext.privileged must be false or unset"));

    private static void Capabilities(List<Container> containers, bool linux, List<string> violations)
    {
        foreach (var container in containers)
        {
            var capabilities = container.SecurityContext?.Capabilities;
            foreach (var added in capabilities?.Add ?? [])
            {
                if (!BaselineAddableCapabilities.Contains(added) || (linux && added != RestrictedAddableCapability))
                {
                    violations.Add($"{container.Path}.securityContext.capabilities.add has {added}: only {RestrictedAddableCapability} may be added");
                }
            }

            if (linux && capabilities?.Drop?.Contains("ALL") != true)
            {
                violations.Add($"{container.Path}.securityContext.capabilities.drop must include ALL");
            }
        }
    }

    private static void Volumes(V1PodSpec pod, List<string> violations)
    {
        foreach (var volume in pod.Volumes ?? [])
        {
            if (volume.HostPath is not null)
            {
                violations.Add($"spec.volumes ({volume.Name}): hostPath volumes are forbidden");
            }
            else if (volume.ConfigMap is null && volume.Csi is null && volume.DownwardAPI is null && volume.EmptyDir is null
                && volume.Ephemeral is null && volume.PersistentVolumeClaim is null && volume.Projected is null && volume.Secret is null)
            {
                violations.Add($"spec.volumes ({volume.Name}): only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes are allowed");
            }
        }
    }

    private static void HostPorts(List<Container> containers, List<string> violations) =>
        violations.AddRange(containers.SelectMany(c => (c.Ports ?? []).Where(p => p.HostPort is not null and not 0)
            .Select(p => $"{c.Path}.ports ({p.Name ?? p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}).hostPort must be 0 or unset")));

    /// <summary>Kubernetes 1.34: a probe or lifecycle hook may not name a host (it could reach anything the kubelet reaches).</summary>
    private static void HostProbes(List<Container> containers, List<string> violations)
    {
        foreach (var container in containers)
        {
            var handlers = container.Probes.Where(p => p is not null).Select(p => (p!.HttpGet?.Host, p.TcpSocket?.Host))
                .Concat(new[] { container.Lifecycle?.PostStart, container.Lifecycle?.PreStop }.Where(h => h is not null).Select(h => (h!.HttpGet?.Host, h.TcpSocket?.Host)));
            if (handlers.Any(handler => !string.IsNullOrEmpty(handler.Item1) || !string.IsNullOrEmpty(handler.Item2)))
            {
                violations.Add($"{container.Path}: probes and lifecycle hooks must not set a host");
            }
        }
    }

    private static void AppArmor(V1PodSecurityContext? pod, List<Container> containers, IDictionary<string, string>? annotations, List<string> violations)
    {
        if (pod?.AppArmorProfile?.Type is { } podType && !ConfinedProfileTypes.Contains(podType))
        {
            violations.Add($"spec.securityContext.appArmorProfile.type is {podType}: only RuntimeDefault or Localhost");
        }

        violations.AddRange(containers.Where(c => c.SecurityContext?.AppArmorProfile?.Type is { } type && !ConfinedProfileTypes.Contains(type))
            .Select(c => $"{c.Path}.securityContext.appArmorProfile.type is {c.SecurityContext!.AppArmorProfile.Type}: only RuntimeDefault or Localhost"));

        violations.AddRange((annotations ?? new Dictionary<string, string>())
            .Where(a => a.Key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal)
                && a.Value != "runtime/default" && !a.Value.StartsWith("localhost/", StringComparison.Ordinal))
            .Select(a => $"metadata.annotations[{a.Key}] is {a.Value}: only runtime/default or localhost/*"));
    }

    private static void SeLinux(V1PodSecurityContext? pod, List<Container> containers, List<string> violations)
    {
        foreach (var (path, options) in containers.Select(c => (c.Path + ".securityContext", c.SecurityContext?.SeLinuxOptions)).Prepend(("spec.securityContext", pod?.SeLinuxOptions)))
        {
            if (options is null)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(options.Type) && !AllowedSeLinuxTypes.Contains(options.Type))
            {
                violations.Add($"{path}.seLinuxOptions.type is {options.Type}: only container_t, container_init_t, container_kvm_t or container_engine_t");
            }

            if (!string.IsNullOrEmpty(options.User) || !string.IsNullOrEmpty(options.Role))
            {
                violations.Add($"{path}.seLinuxOptions: user and role must not be set");
            }
        }
    }

    private static void ProcMount(List<Container> containers, List<string> violations) =>
        violations.AddRange(containers.Where(c => c.SecurityContext?.ProcMount is { } mount && mount != "Default")
            .Select(c => $"{c.Path}.securityContext.procMount is {c.SecurityContext!.ProcMount}: only Default"));

    /// <summary>Restricted: RuntimeDefault or Localhost on the pod or on every container, and Unconfined nowhere.</summary>
    private static void Seccomp(V1PodSecurityContext? pod, List<Container> containers, bool linux, List<string> violations)
    {
        var podType = pod?.SeccompProfile?.Type;
        if (podType is not null && !ConfinedProfileTypes.Contains(podType))
        {
            violations.Add($"spec.securityContext.seccompProfile.type is {podType}: only RuntimeDefault or Localhost");
        }

        foreach (var container in containers)
        {
            var type = container.SecurityContext?.SeccompProfile?.Type;
            if (type is not null && !ConfinedProfileTypes.Contains(type))
            {
                violations.Add($"{container.Path}.securityContext.seccompProfile.type is {type}: only RuntimeDefault or Localhost");
            }
            else if (linux && type is null && (podType is null || !ConfinedProfileTypes.Contains(podType)))
            {
                violations.Add($"{container.Path}: no seccomp profile (set spec.securityContext.seccompProfile.type to RuntimeDefault)");
            }
        }
    }

    private static void Sysctls(V1PodSecurityContext? pod, List<string> violations) =>
        violations.AddRange((pod?.Sysctls ?? []).Where(s => !SafeSysctls.Contains(s.Name))
            .Select(s => $"spec.securityContext.sysctls has {s.Name}, which is not one of the safe sysctls"));

    private static void PrivilegeEscalation(List<Container> containers, bool linux, List<string> violations)
    {
        if (linux)
        {
            violations.AddRange(containers.Where(c => c.SecurityContext?.AllowPrivilegeEscalation != false)
                .Select(c => $"{c.Path}.securityContext.allowPrivilegeEscalation must be false"));
        }
    }

    /// <summary>runAsNonRoot true on the pod (and false on no container) or on every container; runAsUser 0 nowhere.</summary>
    private static void NonRoot(V1PodSecurityContext? pod, List<Container> containers, List<string> violations)
    {
        var podNonRoot = pod?.RunAsNonRoot == true;
        if (pod?.RunAsNonRoot == false)
        {
            violations.Add("spec.securityContext.runAsNonRoot must be true");
        }

        foreach (var container in containers)
        {
            var nonRoot = container.SecurityContext?.RunAsNonRoot;
            if (nonRoot == false || (nonRoot is null && !podNonRoot))
            {
                violations.Add($"{container.Path}: runAsNonRoot must be true (on the pod, or on every container)");
            }
        }

        if (pod?.RunAsUser == 0)
        {
            violations.Add("spec.securityContext.runAsUser must not be 0");
        }

        violations.AddRange(containers.Where(c => c.SecurityContext?.RunAsUser == 0).Select(c => $"{c.Path}.securityContext.runAsUser must not be 0"));
    }
}
