using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// NetworkPolicies: every pod of the application refuses connections (ingress) but those listed here, which follow the
/// app model. The ingress controller's (or gateway's) namespace reaches the HTTP port of an application with an external
/// endpoint; a backing service is reached on its client port by the projects that connect to it (their
/// <c>connectsTo</c>), and by its own nodes on the ports a cluster forms over; the dashboard's OTLP port is reached by
/// every project, its UI by nothing (<c>kubectl port-forward</c> enters the pod's own network namespace, which no
/// policy filters). Outgoing traffic is not restricted: DNS, the Kubernetes API (RabbitMQ's peer discovery) and a
/// collector or managed service of the operator's stay reachable. The kubelet's probes come from the pod's node, which
/// NetworkPolicies do not filter, so no rule opens the probe ports.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    public const string NetworkPoliciesFileName = "network-policies.yaml";

    public const string DefaultDenyPolicyName = "default-deny-ingress";

    /// <summary>The label the API server puts on every namespace: a namespace selected by its name.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The Redis Cluster's bus (node to node) and the RabbitMQ nodes' Erlang distribution ports, by name.</summary>
    private const string RedisClusterBusPortName = "bus";

    private const string EpmdPortName = "epmd";

    private const string ErlangDistributionPortName = "cluster-links";

    private List<IKubernetesObject> NetworkPolicies()
    {
        var projects = manifest.Resources.Where(resource => resource.IsProject).ToList();
        var policies = new List<IKubernetesObject>
        {
            // Every pod of the application: nothing reaches it unless a policy below says so.
            NetworkPolicy(DefaultDenyPolicyName, new V1LabelSelector { MatchLabels = PartOfLabels() }, []),
        };

        foreach (var project in projects)
        {
            var http = project.Bindings.FirstOrDefault(binding => binding.Name == HttpEndpoint);
            if (http is not null && project.Bindings.Any(binding => binding.External))
            {
                policies.Add(NetworkPolicy(
                    $"{project.Name}-from-ingress",
                    new V1LabelSelector { MatchLabels = Selector(project.Name) },
                    [Rule([new V1NetworkPolicyPeer { NamespaceSelector = NamespaceNamed(options.ControllerNamespace) }], http.Name)]));
            }
        }

        if (!options.ExternalServices)
        {
            foreach (var container in manifest.Resources.Where(resource => resource.IsContainer))
            {
                policies.AddRange(BackingServicePolicies(container, projects));
            }
        }

        if (DeploysDashboard)
        {
            policies.Add(NetworkPolicy(
                $"{DashboardName}-otlp",
                new V1LabelSelector { MatchLabels = Selector(DashboardName) },
                [Rule([Pods(projects.Select(project => project.Name))], DashboardOtlpPortName)]));
        }

        return policies;
    }

    private IEnumerable<V1NetworkPolicy> BackingServicePolicies(AspireResource container, IReadOnlyList<AspireResource> projects)
    {
        var template = BackingServiceTemplate.For(container);
        var clients = projects.Where(project => DeploymentOf(project).ConnectsTo.Contains(container.Name)).Select(project => project.Name).ToList();
        var selector = new V1LabelSelector { MatchLabels = Selector(container.Name) };
        if (clients.Count > 0)
        {
            yield return NetworkPolicy($"{container.Name}-clients", selector, [Rule([Pods(clients)], template.PortName)]);
        }

        if (IsInClusterRedisCluster(container))
        {
            // Replicas copy their primaries over the client port, nodes gossip over the bus; the Job that forms the
            // cluster talks to every node's client port.
            yield return NetworkPolicy($"{container.Name}-peers", selector,
            [
                Rule([Pods([container.Name])], template.PortName, RedisClusterBusPortName),
                Rule([Pods([$"{container.Name}-create"])], template.PortName),
            ]);
        }
        else if (IsInClusterRabbitMQ(container))
        {
            yield return NetworkPolicy($"{container.Name}-peers", selector, [Rule([Pods([container.Name])], EpmdPortName, ErlangDistributionPortName)]);
        }
    }

    private static V1NetworkPolicy NetworkPolicy(string name, V1LabelSelector pods, IList<V1NetworkPolicyIngressRule> ingress) => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = Metadata(name, new SortedDictionary<string, string>(PartOfLabels(), StringComparer.Ordinal) { [Labels.ManagedBy] = ManagedBy }),
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = pods,
            PolicyTypes = ["Ingress"],
            // An empty list allows nothing (as opposed to no list at all on a policy without the Ingress type).
            Ingress = ingress,
        },
    };

    /// <summary>Connections from <paramref name="from"/> to the named container ports (names: the ports may move, the names do not).</summary>
    private static V1NetworkPolicyIngressRule Rule(IList<V1NetworkPolicyPeer> from, params string[] portNames) => new()
    {
        FromProperty = from,
        Ports = portNames.Select(port => new V1NetworkPolicyPort { Port = port, Protocol = "TCP" }).ToList(),
    };

    /// <summary>The pods of the named components of this application, in the policy's own namespace.</summary>
    private static V1NetworkPolicyPeer Pods(IEnumerable<string> names) => new()
    {
        PodSelector = new V1LabelSelector
        {
            MatchLabels = PartOfLabels(),
            MatchExpressions = [new V1LabelSelectorRequirement { Key = Labels.Name, OperatorProperty = "In", Values = names.Order(StringComparer.Ordinal).ToList() }],
        },
    };

    private static V1LabelSelector NamespaceNamed(string name) =>
        new() { MatchLabels = new SortedDictionary<string, string>(StringComparer.Ordinal) { [NamespaceNameLabel] = name } };

    private static SortedDictionary<string, string> PartOfLabels() => new(StringComparer.Ordinal) { [Labels.PartOf] = PartOf };
}
