using Chattorum.Deploy;
using k8s.Models;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// <see cref="PodSecurityStandard"/>: each rule of the Restricted profile caught on a pod that breaks it and nothing
/// else, what the profile allows let through; and every pod of every committed manifest meets it.
/// </summary>
[Collection(DeployCollection.Name)]
public class PodSecurityStandardTests(AspireManifestFixture fixture)
{
    /// <summary>A pod that meets the profile: the mutations below each break one rule of it.</summary>
    private static V1PodTemplateSpec Compliant() => new()
    {
        Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string>() },
        Spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = 1654,
                RunAsGroup = 1654,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            InitContainers = [Container("init")],
            Containers = [Container("app")],
            Volumes =
            [
                new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
                new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "config" } },
                new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } },
            ],
        },
    };

    private static V1Container Container(string name) => new()
    {
        Name = name,
        Image = "example/app:1",
        Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = "http" } },
        SecurityContext = new V1SecurityContext
        {
            AllowPrivilegeEscalation = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            ReadOnlyRootFilesystem = true,
        },
    };

    private static V1Container App(V1PodTemplateSpec pod) => pod.Spec.Containers[0];

    private static V1Container Init(V1PodTemplateSpec pod) => pod.Spec.InitContainers[0];

    /// <summary>One rule broken each, by name.</summary>
    private static readonly Dictionary<string, Action<V1PodTemplateSpec>> Breaks = new(StringComparer.Ordinal)
    {
        ["host network"] = pod => pod.Spec.HostNetwork = true,
        ["host PID"] = pod => pod.Spec.HostPID = true,
        ["host IPC"] = pod => pod.Spec.HostIPC = true,
        ["Windows host process"] = pod => pod.Spec.SecurityContext.WindowsOptions = new V1WindowsSecurityContextOptions { HostProcess = true },
        ["privileged container"] = pod => App(pod).SecurityContext.Privileged = true,
        ["privileged init container"] = pod => Init(pod).SecurityContext.Privileged = true,
        ["capability beyond Baseline"] = pod => App(pod).SecurityContext.Capabilities.Add = ["SYS_ADMIN"],
        ["Baseline capability Restricted refuses"] = pod => App(pod).SecurityContext.Capabilities.Add = ["CHOWN"],
        ["capabilities not all dropped"] = pod => App(pod).SecurityContext.Capabilities.Drop = ["NET_RAW"],
        ["init container keeps its capabilities"] = pod => Init(pod).SecurityContext.Capabilities = null,
        ["hostPath volume"] = pod => pod.Spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } }),
        ["NFS volume"] = pod => pod.Spec.Volumes.Add(new V1Volume { Name = "nfs", Nfs = new V1NFSVolumeSource { Server = "nfs", Path = "/" } }),
        ["host port"] = pod => App(pod).Ports[0].HostPort = 8080,
        ["probe on another host"] = pod => App(pod).ReadinessProbe.HttpGet.Host = "10.0.0.1",
        ["lifecycle hook on another host"] = pod => App(pod).Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { TcpSocket = new V1TCPSocketAction { Host = "10.0.0.1", Port = 80 } } },
        ["AppArmor unconfined"] = pod => App(pod).SecurityContext.AppArmorProfile = new V1AppArmorProfile { Type = "Unconfined" },
        ["AppArmor unconfined by annotation"] = pod => pod.Metadata.Annotations["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined",
        ["SELinux type"] = pod => pod.Spec.SecurityContext.SeLinuxOptions = new V1SELinuxOptions { Type = "spc_t" },
        ["SELinux user"] = pod => App(pod).SecurityContext.SeLinuxOptions = new V1SELinuxOptions { User = "system_u" },
        ["unmasked /proc"] = pod => App(pod).SecurityContext.ProcMount = "Unmasked",
        ["seccomp unconfined"] = pod => pod.Spec.SecurityContext.SeccompProfile.Type = "Unconfined",
        ["no seccomp profile"] = pod => pod.Spec.SecurityContext.SeccompProfile = null,
        ["container seccomp unconfined"] = pod => App(pod).SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
        ["unsafe sysctl"] = pod => pod.Spec.SecurityContext.Sysctls = [new V1Sysctl { Name = "kernel.msgmax", Value = "65536" }],
        ["privilege escalation allowed"] = pod => App(pod).SecurityContext.AllowPrivilegeEscalation = true,
        ["privilege escalation unset"] = pod => Init(pod).SecurityContext.AllowPrivilegeEscalation = null,
        ["root allowed"] = pod => pod.Spec.SecurityContext.RunAsNonRoot = null,
        ["container as root allowed"] = pod => App(pod).SecurityContext.RunAsNonRoot = false,
        ["root user"] = pod => pod.Spec.SecurityContext.RunAsUser = 0,
        ["container as root user"] = pod => Init(pod).SecurityContext.RunAsUser = 0,
        ["ephemeral container unconfined"] = pod => pod.Spec.EphemeralContainers =
            [new V1EphemeralContainer { Name = "debug", Image = "busybox", SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false } }],
    };

    [Fact]
    public void The_compliant_pod_meets_the_profile() => Assert.Empty(PodSecurityStandard.RestrictedViolations(Compliant()));

    [Theory]
    [InlineData("host network", "spec.hostNetwork")]
    [InlineData("host PID", "spec.hostPID")]
    [InlineData("host IPC", "spec.hostIPC")]
    [InlineData("Windows host process", "spec.securityContext.windowsOptions.hostProcess")]
    [InlineData("privileged container", "spec.containers[0] (app).securityContext.privileged")]
    [InlineData("privileged init container", "spec.initContainers[0] (init).securityContext.privileged")]
    [InlineData("capability beyond Baseline", "capabilities.add has SYS_ADMIN")]
    [InlineData("Baseline capability Restricted refuses", "capabilities.add has CHOWN")]
    [InlineData("capabilities not all dropped", "spec.containers[0] (app).securityContext.capabilities.drop must include ALL")]
    [InlineData("init container keeps its capabilities", "spec.initContainers[0] (init).securityContext.capabilities.drop must include ALL")]
    [InlineData("hostPath volume", "spec.volumes (host): hostPath volumes are forbidden")]
    [InlineData("NFS volume", "spec.volumes (nfs): only configMap")]
    [InlineData("host port", "hostPort must be 0 or unset")]
    [InlineData("probe on another host", "probes and lifecycle hooks must not set a host")]
    [InlineData("lifecycle hook on another host", "probes and lifecycle hooks must not set a host")]
    [InlineData("AppArmor unconfined", "appArmorProfile.type is Unconfined")]
    [InlineData("AppArmor unconfined by annotation", "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app] is unconfined")]
    [InlineData("SELinux type", "spec.securityContext.seLinuxOptions.type is spc_t")]
    [InlineData("SELinux user", "seLinuxOptions: user and role must not be set")]
    [InlineData("unmasked /proc", "procMount is Unmasked")]
    [InlineData("seccomp unconfined", "spec.securityContext.seccompProfile.type is Unconfined")]
    [InlineData("no seccomp profile", "no seccomp profile")]
    [InlineData("container seccomp unconfined", "spec.containers[0] (app).securityContext.seccompProfile.type is Unconfined")]
    [InlineData("unsafe sysctl", "sysctls has kernel.msgmax")]
    [InlineData("privilege escalation allowed", "spec.containers[0] (app).securityContext.allowPrivilegeEscalation must be false")]
    [InlineData("privilege escalation unset", "spec.initContainers[0] (init).securityContext.allowPrivilegeEscalation must be false")]
    [InlineData("root allowed", "runAsNonRoot must be true")]
    [InlineData("container as root allowed", "spec.containers[0] (app): runAsNonRoot must be true")]
    [InlineData("root user", "spec.securityContext.runAsUser must not be 0")]
    [InlineData("container as root user", "spec.initContainers[0] (init).securityContext.runAsUser must not be 0")]
    [InlineData("ephemeral container unconfined", "spec.ephemeralContainers[0] (debug).securityContext.capabilities.drop must include ALL")]
    public void Each_rule_is_caught(string broken, string violation)
    {
        var pod = Compliant();
        Breaks[broken](pod);

        var violations = PodSecurityStandard.RestrictedViolations(pod);

        Assert.Contains(violations, found => found.Contains(violation, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_rule_has_its_case() =>
        // A mutation without an InlineData above would be a rule nobody checks.
        Assert.Equal(31, Breaks.Count);

    /// <summary>What the profile allows, each on an otherwise compliant pod.</summary>
    private static readonly Dictionary<string, Action<V1PodTemplateSpec>> Allowed = new(StringComparer.Ordinal)
    {
        ["NET_BIND_SERVICE added back"] = pod => App(pod).SecurityContext.Capabilities.Add = ["NET_BIND_SERVICE"],
        ["seccomp on every container rather than the pod"] = pod =>
        {
            pod.Spec.SecurityContext.SeccompProfile = null;
            App(pod).SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" };
            Init(pod).SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "Localhost", LocalhostProfile = "profiles/app.json" };
        },
        ["runAsNonRoot on every container rather than the pod"] = pod =>
        {
            pod.Spec.SecurityContext.RunAsNonRoot = null;
            App(pod).SecurityContext.RunAsNonRoot = true;
            Init(pod).SecurityContext.RunAsNonRoot = true;
        },
        ["safe sysctl"] = pod => pod.Spec.SecurityContext.Sysctls = [new V1Sysctl { Name = "net.ipv4.ip_unprivileged_port_start", Value = "0" }],
        ["SELinux container type"] = pod => App(pod).SecurityContext.SeLinuxOptions = new V1SELinuxOptions { Type = "container_init_t", Level = "s0:c1,c2" },
        ["AppArmor runtime default"] = pod => pod.Metadata.Annotations["container.apparmor.security.beta.kubernetes.io/app"] = "runtime/default",
        ["host port 0"] = pod => App(pod).Ports[0].HostPort = 0,
        ["projected, secret, downward API and CSI volumes"] = pod => pod.Spec.Volumes = [
            new V1Volume { Name = "token", Projected = new V1ProjectedVolumeSource { Sources = [] } },
            new V1Volume { Name = "secret", Secret = new V1SecretVolumeSource { SecretName = "s" } },
            new V1Volume { Name = "pod", DownwardAPI = new V1DownwardAPIVolumeSource() },
            new V1Volume { Name = "csi", Csi = new V1CSIVolumeSource { Driver = "example" } },
        ],
        ["a Windows pod without the Linux-only controls"] = pod =>
        {
            pod.Spec.Os = new V1PodOS { Name = "windows" };
            pod.Spec.SecurityContext.SeccompProfile = null;
            App(pod).SecurityContext = new V1SecurityContext();
            Init(pod).SecurityContext = new V1SecurityContext();
        },
    };

    [Theory]
    [InlineData("NET_BIND_SERVICE added back")]
    [InlineData("seccomp on every container rather than the pod")]
    [InlineData("runAsNonRoot on every container rather than the pod")]
    [InlineData("safe sysctl")]
    [InlineData("SELinux container type")]
    [InlineData("AppArmor runtime default")]
    [InlineData("host port 0")]
    [InlineData("projected, secret, downward API and CSI volumes")]
    [InlineData("a Windows pod without the Linux-only controls")]
    public void What_the_profile_allows_passes(string allowed)
    {
        var pod = Compliant();
        Allowed[allowed](pod);

        Assert.Empty(PodSecurityStandard.RestrictedViolations(pod));
    }

    [Fact]
    public void The_generator_refuses_to_write_a_pod_that_breaks_the_profile()
    {
        var pod = Compliant();
        pod.Spec.HostNetwork = true;
        var deployment = new V1Deployment { Kind = "Deployment", Metadata = new V1ObjectMeta { Name = "leaky" }, Spec = new V1DeploymentSpec { Template = pod } };

        var exception = Assert.Throws<NotSupportedException>(() => KubernetesGenerator.RequireRestricted("leaky.yaml", [new V1ConfigMap(), deployment]));

        Assert.Contains("leaky.yaml", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Deployment leaky: spec.hostNetwork", exception.Message, StringComparison.Ordinal);
        KubernetesGenerator.RequireRestricted("fine.yaml", [new V1Deployment { Kind = "Deployment", Metadata = new V1ObjectMeta { Name = "fine" }, Spec = new V1DeploymentSpec { Template = Compliant() } }]);
    }

    [Fact]
    public void Every_pod_of_every_committed_manifest_and_variant_meets_the_profile()
    {
        var external = new KubernetesGenerator(fixture.Manifest, new DeployOptions { ExternalServices = true }).Generate()
            .SelectMany(file => KubernetesManifestTests.Parse(file.Content).Select(o => ($"external-services/{file.Name}", o)));
        var pods = KubernetesManifestTests.CommittedObjects().Select(o => ($"k8s/{o.File}", o.Object))
            .Concat(KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedRedisClusterFolder).Select(o => ($"k8s-redis-cluster/{o.File}", o.Object)))
            .Concat(KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedGatewayFolder).Select(o => ($"k8s-gateway/{o.File}", o.Object)))
            .Concat(external)
            .SelectMany(o => PodSecurityStandard.PodTemplates([o.Item2]).Select(pod => (Where: $"{o.Item1}: {pod.Name}", pod.Template)))
            .ToList();

        // Every kind of pod is there: the applications, the dashboard, one Redis, the Redis Cluster and its Job, RabbitMQ
        // with its init container.
        Assert.Equal(
            [
                "external-services/chatapi.yaml: Deployment chatapi",
                "external-services/dashboard.yaml: Deployment dashboard",
                "external-services/stockbot.yaml: Deployment stockbot",
                "k8s-gateway/cache.yaml: StatefulSet cache",
                "k8s-gateway/chatapi.yaml: Deployment chatapi",
                "k8s-gateway/dashboard.yaml: Deployment dashboard",
                "k8s-gateway/messaging.yaml: StatefulSet messaging",
                "k8s-gateway/stockbot.yaml: Deployment stockbot",
                "k8s-redis-cluster/cache.yaml: Job cache-create",
                "k8s-redis-cluster/cache.yaml: StatefulSet cache",
                "k8s-redis-cluster/chatapi.yaml: Deployment chatapi",
                "k8s-redis-cluster/dashboard.yaml: Deployment dashboard",
                "k8s-redis-cluster/messaging.yaml: StatefulSet messaging",
                "k8s-redis-cluster/stockbot.yaml: Deployment stockbot",
                "k8s/cache.yaml: StatefulSet cache",
                "k8s/chatapi.yaml: Deployment chatapi",
                "k8s/dashboard.yaml: Deployment dashboard",
                "k8s/messaging.yaml: StatefulSet messaging",
                "k8s/stockbot.yaml: Deployment stockbot",
            ],
            pods.Select(p => p.Where).Order(StringComparer.Ordinal));
        Assert.Contains(pods, p => p.Template.Spec.InitContainers is { Count: > 0 });
        Assert.All(pods, pod => Assert.True(
            PodSecurityStandard.RestrictedViolations(pod.Template).Count == 0,
            $"{pod.Where}: {string.Join("; ", PodSecurityStandard.RestrictedViolations(pod.Template))}"));
    }

    [Fact]
    public void Every_container_runs_on_a_read_only_root_as_its_images_user_and_writes_only_to_volumes()
    {
        var objects = KubernetesManifestTests.CommittedObjects().Concat(KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedRedisClusterFolder))
            .Select(o => o.Object).ToList();
        var writable = new Dictionary<string, (long User, string[] Paths)>(StringComparer.Ordinal)
        {
            // The .NET runtime's temporary files (its diagnostics socket); the apps write nothing else.
            ["Deployment chatapi"] = (KubernetesGenerator.DotNetImageUserId, ["/tmp"]),
            ["Deployment stockbot"] = (KubernetesGenerator.DotNetImageUserId, ["/tmp"]),
            // The dashboard (also a .NET image): temporary files and ASP.NET Core's data protection keys in its home.
            ["Deployment dashboard"] = (KubernetesGenerator.DashboardImageUserId, ["/home/app/.aspnet", "/tmp"]),
            // Redis writes its append-only file and nodes.conf on its data volume.
            ["StatefulSet cache"] = (KubernetesGenerator.BackingServiceImageUserId, ["/data"]),
            ["Job cache-create"] = (KubernetesGenerator.BackingServiceImageUserId, []),
            // RabbitMQ's home (data, Erlang cookie), and scratch space for temporary files and logs.
            ["StatefulSet messaging"] = (KubernetesGenerator.BackingServiceImageUserId, ["/tmp", "/var/lib/rabbitmq", "/var/log/rabbitmq"]),
        };

        foreach (var (name, template) in PodSecurityStandard.PodTemplates(objects))
        {
            var (user, paths) = writable[name];
            Assert.Equal((true, user, user), (template.Spec.SecurityContext.RunAsNonRoot == true, template.Spec.SecurityContext.RunAsUser, template.Spec.SecurityContext.RunAsGroup));
            var claims = (objects.OfType<V1StatefulSet>().FirstOrDefault(s => $"StatefulSet {s.Metadata.Name}" == name)?.Spec.VolumeClaimTemplates ?? []).Select(c => c.Metadata.Name);
            foreach (var container in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, $"{name}/{container.Name}: writable root filesystem");
                var writableMounts = (container.VolumeMounts ?? [])
                    .Where(m => m.ReadOnlyProperty != true)
                    .Where(m => claims.Contains(m.Name) || template.Spec.Volumes.Single(v => v.Name == m.Name).EmptyDir is not null)
                    .Select(m => m.MountPath);
                Assert.Subset(paths.ToHashSet(StringComparer.Ordinal), writableMounts.ToHashSet(StringComparer.Ordinal));
            }

            Assert.Equal(paths, template.Spec.Containers.SelectMany(c => c.VolumeMounts ?? [])
                .Where(m => m.ReadOnlyProperty != true && (claims.Contains(m.Name) || template.Spec.Volumes.Single(v => v.Name == m.Name).EmptyDir is not null))
                .Select(m => m.MountPath).Order(StringComparer.Ordinal));
            Assert.All(template.Spec.Volumes?.Where(v => v.EmptyDir is not null) ?? [], v => Assert.NotNull(v.EmptyDir.SizeLimit));
        }
    }
}
