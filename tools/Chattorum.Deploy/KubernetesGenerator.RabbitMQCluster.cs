using System.Globalization;
using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// The app model's RabbitMQ as a cluster of <see cref="RabbitMQClusterNodes"/> nodes (unless
/// <see cref="DeployOptions.ExternalServices"/>). In its file: the ServiceAccount, Role and RoleBinding of the Kubernetes
/// peer discovery plugin, a ConfigMap (<c>rabbitmq.conf</c>, <c>enabled_plugins</c>), the client Service, the headless
/// Service that names each node, the StatefulSet (a volume claim per node, started in parallel) and a
/// PodDisruptionBudget. The broker users come from a definitions file in the services' Secret; the Erlang cookie too.
/// Every queue the applications declare is a quorum queue, replicated on the nodes.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    public const int RabbitMQClusterNodes = 3;

    /// <summary>
    /// The official image, without the management plugin (nothing here uses the HTTP API), pinned to a release of the app
    /// model's 4.3 line: every node of a cluster must run the same version, and a moving tag would mix versions as pods
    /// are rescheduled. Raise it deliberately, one node at a time (the disruption budget allows no more).
    /// </summary>
    public const string RabbitMQImage = "docker.io/library/rabbitmq:4.3.0";

    public const string PeerDiscoveryPlugin = "rabbitmq_peer_discovery_k8s";

    /// <summary>Where a pod's DNS name ends (<c>POD.SERVICE.NAMESPACE.svc.cluster.local</c>): Kubernetes' default cluster domain.</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>Erlang's port mapper, through which nodes find each other's distribution port.</summary>
    public const int EpmdPort = 4369;

    /// <summary>Inter-node (Erlang distribution) traffic: RabbitMQ's default, the AMQP port + 20000.</summary>
    public const int ErlangDistributionPortOffset = 20000;

    /// <summary>
    /// How long a stopping node waits until every quorum queue it hosts has enough other replicas online to keep a
    /// majority without it, so that a rolling restart or a drain never takes a queue's quorum away.
    /// </summary>
    public const int QuorumWaitSeconds = 120;

    /// <summary>Secret files readable by their owner and the pod's group (<c>fsGroup</c>): 0440.</summary>
    private const int SecretFileMode = 0b100_100_000;

    private const string RabbitMQHome = "/var/lib/rabbitmq";
    private const string RabbitMQConfigFolder = "/etc/rabbitmq/conf.d";
    private const string RabbitMQConfigFile = "10-chattorum.conf";
    private const string RabbitMQPluginsFolder = "/etc/rabbitmq/plugins";
    private const string RabbitMQDefinitionsFolder = "/etc/rabbitmq/definitions";
    private const string ErlangCookieFolder = "/run/erlang-cookie";
    private const string ErlangCookieFile = ".erlang.cookie";
    private const string DefinitionsFile = "definitions.json";
    private const string PluginsVolume = "plugins";
    private const string DefinitionsVolume = "definitions";
    private const string ErlangCookieVolume = "erlang-cookie";
    private const string RabbitMQLogFolder = "/var/log/rabbitmq";
    private const string RabbitMQLogVolume = "log";

    /// <summary>The ConfigMap's keys.</summary>
    public const string RabbitMQConfigKey = "rabbitmq.conf";
    public const string EnabledPluginsKey = "enabled_plugins";

    /// <summary>The key of the services' Secret with the Erlang cookie the nodes of <paramref name="resource"/> share.</summary>
    public static string ErlangCookieKey(AspireResource resource) => $"{resource.Name}-erlang-cookie";

    /// <summary>The key of the services' Secret with the definitions file (broker users and rights) of <paramref name="resource"/>.</summary>
    public static string DefinitionsKey(AspireResource resource) => $"{resource.Name}-definitions.json";

    private bool IsInClusterRabbitMQ(AspireResource resource) =>
        !options.ExternalServices && resource.IsContainer && BackingServiceTemplate.IsRabbitMQ(resource);

    /// <summary>
    /// The connection string of an application that connects as <paramref name="identity"/>: one URI to the client
    /// Service, which spreads connections (and reconnections) over the ready nodes, with the user's password.
    /// </summary>
    private string BrokerConnectionString(AspireResource broker, BrokerIdentity identity) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"amqp://{identity.User}:{secretValues.BrokerUsers(BrokerIdentities()).Passwords[identity.User]}@{broker.Name}:{ContainerPort(broker)}");

    private List<IKubernetesObject> RabbitMQCluster(AspireResource resource, IReadOnlyList<BrokerIdentity> users, SortedDictionary<string, string> serviceSecrets)
    {
        var template = BackingServiceTemplate.For(resource);
        var name = resource.Name;
        var labels = ComponentLabels(name, template.Component);
        var selector = Selector(name);
        var headless = HeadlessServiceName(resource);
        var configMap = $"{name}-config";
        var peerDiscovery = $"{name}-peer-discovery";
        var port = ContainerPort(resource);
        var distributionPort = port + ErlangDistributionPortOffset;

        // The cookie the nodes share, and the broker users with the passwords of the applications' connection strings.
        AddSecret(serviceSecrets, ErlangCookieKey(resource), secretValues.ErlangCookie(name), name);
        AddSecret(serviceSecrets, DefinitionsKey(resource), secretValues.BrokerUsers(users).Definitions, name);

        var node = new V1Container
        {
            Name = name,
            Image = RabbitMQImage,
            Ports =
            [
                new V1ContainerPort { Name = template.PortName, ContainerPort = port, Protocol = "TCP" },
                new V1ContainerPort { Name = "epmd", ContainerPort = EpmdPort, Protocol = "TCP" },
                new V1ContainerPort { Name = "cluster-links", ContainerPort = distributionPort, Protocol = "TCP" },
            ],
            Env = RabbitMQNodeEnvironment(headless),
            StartupProbe = template.StartupProbe,
            // Ready = this node accepts AMQP connections, not "the cluster is complete": a node that waited for the others
            // to be ready would never be, since the others wait for it too.
            ReadinessProbe = template.ReadinessProbe,
            LivenessProbe = template.LivenessProbe,
            Resources = Resources(template.Sizing),
            SecurityContext = RestrictedContainerSecurityContext(),
            Lifecycle = new V1Lifecycle
            {
                PreStop = new V1LifecycleHandler
                {
                    Exec = new V1ExecAction
                    {
                        Command = ["rabbitmq-upgrade", "await_online_quorum_plus_one", "-t", QuorumWaitSeconds.ToString(CultureInfo.InvariantCulture)],
                    },
                },
            },
            VolumeMounts =
            [
                new V1VolumeMount { Name = DataVolume, MountPath = RabbitMQHome },
                new V1VolumeMount { Name = ConfigVolume, MountPath = RabbitMQConfigFolder, ReadOnlyProperty = true },
                new V1VolumeMount { Name = PluginsVolume, MountPath = RabbitMQPluginsFolder, ReadOnlyProperty = true },
                new V1VolumeMount { Name = DefinitionsVolume, MountPath = RabbitMQDefinitionsFolder, ReadOnlyProperty = true },
                // The root filesystem is read-only; the node writes its data on the volume, logs to the console only
                // (log.file = false), and these two stay writable for what the runtime and the scripts may still put there.
                new V1VolumeMount { Name = TempVolume, MountPath = TempPath },
                new V1VolumeMount { Name = RabbitMQLogVolume, MountPath = RabbitMQLogFolder },
            ],
        };

        var pod = new V1PodSpec
        {
            ServiceAccountName = name,
            // RabbitMQ before 4.1 lists the headless Service's endpoints through the API with this token; 4.1 and later
            // derive node 0's name from their own and never call the API (the Role then goes unused).
            AutomountServiceAccountToken = true,
            EnableServiceLinks = false,
            TerminationGracePeriodSeconds = QuorumWaitSeconds + template.TerminationGracePeriodSeconds,
            SecurityContext = RestrictedPodSecurityContext(BackingServiceImageUserId, volumeGroup: true),
            // Each node on its own machine where there are enough: two nodes lost with one machine would take the
            // majority of every quorum queue. Preferred, not required, so that a small cluster still schedules them.
            Affinity = new V1Affinity
            {
                PodAntiAffinity = new V1PodAntiAffinity
                {
                    PreferredDuringSchedulingIgnoredDuringExecution =
                    [
                        new V1WeightedPodAffinityTerm
                        {
                            Weight = 100,
                            PodAffinityTerm = new V1PodAffinityTerm
                            {
                                TopologyKey = "kubernetes.io/hostname",
                                LabelSelector = new V1LabelSelector { MatchLabels = selector },
                            },
                        },
                    ],
                },
            },
            InitContainers = [ErlangCookieInstaller(resource)],
            Containers = [node],
            Volumes =
            [
                ConfigMapVolume(ConfigVolume, configMap, (RabbitMQConfigKey, RabbitMQConfigFile)),
                ConfigMapVolume(PluginsVolume, configMap, (EnabledPluginsKey, EnabledPluginsKey)),
                SecretVolume(DefinitionsVolume, DefinitionsKey(resource), DefinitionsFile),
                SecretVolume(ErlangCookieVolume, ErlangCookieKey(resource), ErlangCookieFile),
                ScratchVolume(TempVolume),
                ScratchVolume(RabbitMQLogVolume),
            ],
        };

        var clientPorts = new List<V1ServicePort> { new() { Name = template.PortName, Port = port, TargetPort = template.PortName, Protocol = "TCP" } };
        var nodePorts = new List<V1ServicePort>
        {
            new() { Name = template.PortName, Port = port, TargetPort = template.PortName, Protocol = "TCP" },
            new() { Name = "epmd", Port = EpmdPort, TargetPort = "epmd", Protocol = "TCP" },
            new() { Name = "cluster-links", Port = distributionPort, TargetPort = "cluster-links", Protocol = "TCP" },
        };

        return
        [
            new V1ServiceAccount
            {
                ApiVersion = "v1",
                Kind = "ServiceAccount",
                Metadata = Metadata(name, labels),
            },
            new V1Role
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "Role",
                Metadata = Metadata(peerDiscovery, labels),
                // The peer discovery plugin reads the headless Service's endpoints: that, and nothing else.
                Rules = [new V1PolicyRule { ApiGroups = [string.Empty], Resources = ["endpoints"], Verbs = ["get"] }],
            },
            new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = Metadata(peerDiscovery, labels),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = peerDiscovery },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = name }],
            },
            ConfigMap(configMap, labels, new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [EnabledPluginsKey] = $"[{PeerDiscoveryPlugin}].\n",
                [RabbitMQConfigKey] = RabbitMQConfig(port),
            }),
            ClientService(name, labels, selector, clientPorts),
            HeadlessService(headless, labels, selector, nodePorts),
            StatefulSet(name, labels, selector, headless, RabbitMQClusterNodes, parallel: true, pod, template.StorageSize),
            DisruptionBudget(name, labels, selector),
        ];
    }

    /// <summary>
    /// Each node's name is its pod's DNS name under the headless Service (<c>rabbit@messaging-1.messaging-headless.NS.svc.cluster.local</c>):
    /// stable across restarts, so a node finds its own data again, and resolvable by the other nodes. The namespace is
    /// known only in the pod, hence the suffix in the environment rather than in <c>rabbitmq.conf</c> (the plugin reads
    /// <c>K8S_HOSTNAME_SUFFIX</c> and <c>K8S_SERVICE_NAME</c> when the file does not set them).
    /// </summary>
    private static List<V1EnvVar> RabbitMQNodeEnvironment(string headless) =>
    [
        new() { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
        new() { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
        new() { Name = "K8S_SERVICE_NAME", Value = headless },
        new() { Name = "K8S_HOSTNAME_SUFFIX", Value = $".{headless}.$(POD_NAMESPACE).svc.{ClusterDomain}" },
        new() { Name = "RABBITMQ_USE_LONGNAME", Value = "true" },
        new() { Name = "RABBITMQ_NODENAME", Value = "rabbit@$(POD_NAME)$(K8S_HOSTNAME_SUFFIX)" },
        new() { Name = "RABBITMQ_ENABLED_PLUGINS_FILE", Value = $"{RabbitMQPluginsFolder}/{EnabledPluginsKey}" },
    ];

    /// <summary>
    /// Nodes of one cluster must share the Erlang cookie, and Erlang accepts it only in a file its user alone can read
    /// (<c>$HOME/.erlang.cookie</c>, mode 0400): a Secret volume's files belong to root, so this copies it there. It
    /// refuses an empty cookie and the placeholder of secrets.yaml before 0.17: a cookie anyone knows would let anyone
    /// who reaches the nodes run code on them.
    /// </summary>
    private static V1Container ErlangCookieInstaller(AspireResource resource)
    {
        var source = $"{ErlangCookieFolder}/{ErlangCookieFile}";
        var target = $"{RabbitMQHome}/{ErlangCookieFile}";
        return new V1Container
        {
            Name = ErlangCookieVolume,
            Image = RabbitMQImage,
            Command =
            [
                "sh",
                "-c",
                $"""
                set -eu
                case "$(cat {source})" in
                  {PlaceholderPrefix}*|'') echo "{ErlangCookieKey(resource)} in Secret {ServiceSecretName} is empty or a placeholder: set a random cookie (docs/deploy.md)" >&2; exit 1 ;;
                esac
                rm -f {target}
                cp {source} {target}
                chmod 0400 {target}
                """,
            ],
            Resources = Resources(new Sizing("10m", "16Mi", "100m", "32Mi")),
            SecurityContext = RestrictedContainerSecurityContext(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = DataVolume, MountPath = RabbitMQHome },
                new V1VolumeMount { Name = ErlangCookieVolume, MountPath = ErlangCookieFolder, ReadOnlyProperty = true },
            ],
        };
    }

    private static V1Volume SecretVolume(string volume, string key, string path) => new()
    {
        Name = volume,
        Secret = new V1SecretVolumeSource
        {
            SecretName = ServiceSecretName,
            Items = [new V1KeyToPath { Key = key, Path = path }],
            DefaultMode = SecretFileMode,
        },
    };

    /// <summary>
    /// <c>rabbitmq.conf</c>. Peer discovery happens only on a node's first boot (empty data folder). RabbitMQ 4.1 and
    /// later (this image) make node 0 form the cluster and every other node join it, and accept but ignore the older
    /// plugin's <c>cluster_formation.k8s.*</c> keys, which stay for RabbitMQ before 4.1 (it lists the headless
    /// Service's endpoints through the API and joins them by host name). Mounted over the image's <c>conf.d</c>, whose
    /// defaults (such as <c>guest</c> reachable from anywhere) then do not apply.
    /// </summary>
    internal static string RabbitMQConfig(int port) => string.Create(CultureInfo.InvariantCulture, $"""
        # Generated by tools/Chattorum.Deploy.
        listeners.tcp.default = {port}
        # Logs to the console only: the container's root filesystem is read-only.
        log.console = true
        log.file = false

        cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s
        cluster_formation.k8s.host = kubernetes.default.svc.{ClusterDomain}
        cluster_formation.k8s.address_type = hostname
        # cluster_formation.k8s.service_name and hostname_suffix come from K8S_SERVICE_NAME and K8S_HOSTNAME_SUFFIX
        # (they name the namespace, known only in the pod).

        # A node cut off from the majority stops serving rather than diverging; quorum queues follow their own majority.
        cluster_partition_handling = pause_minority

        # Every queue replicated on a majority of nodes, their leaders spread over the nodes. The applications declare
        # x-queue-type quorum themselves; this also covers a queue declared without it.
        default_queue_type = quorum
        queue_leader_locator = balanced

        # The broker users (one per application, with its rights) and the virtual host; no default guest user.
        load_definitions = {RabbitMQDefinitionsFolder}/{DefinitionsFile}

        """);
}
