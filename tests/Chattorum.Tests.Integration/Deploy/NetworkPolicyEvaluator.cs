using k8s.Models;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>A pod as NetworkPolicies see it: where it runs, its labels, the ports its containers name.</summary>
internal sealed record PolicyPod(string Namespace, string Name, IDictionary<string, string> Labels, IReadOnlyList<V1ContainerPort> Ports)
{
    /// <summary>The number of the container port named <paramref name="portName"/>.</summary>
    public int PortNumber(string portName) =>
        Ports.SingleOrDefault(port => port.Name == portName)?.ContainerPort
            ?? throw new InvalidOperationException($"Pod {Name} has no port named {portName}");
}

/// <summary>
/// Whether the NetworkPolicies let one pod open a connection to another pod's port: the ingress half of the
/// networking.k8s.io/v1 semantics, offline. A pod no policy selects (for Ingress) accepts everything; a selected pod
/// accepts a connection when a rule of any selecting policy matches both its source (pod and namespace selectors; no
/// <c>from</c> = every source) and its port (number, range, or a name resolved on the target's containers; no
/// <c>ports</c> = every port; protocol TCP unless said). Rules are only ever allowed, never denied: policies add up.
/// Not modelled, because the generated policies use neither: egress rules, <c>ipBlock</c> peers (refused, so a policy that
/// uses one cannot pass unnoticed). Not modelled either, because no NetworkPolicy filters it: traffic from the pod's own
/// node (kubelet probes) and from inside the pod (<c>kubectl port-forward</c>).
/// </summary>
internal sealed class NetworkPolicyEvaluator(IReadOnlyList<(string Namespace, V1NetworkPolicy Policy)> policies, IReadOnlyDictionary<string, IDictionary<string, string>> namespaceLabels)
{
    public bool Allows(PolicyPod from, PolicyPod to, int port, string protocol = "TCP")
    {
        var selecting = policies
            .Where(entry => entry.Namespace == to.Namespace && AppliesToIngress(entry.Policy) && Matches(entry.Policy.Spec.PodSelector, to.Labels))
            .ToList();
        return selecting.Count == 0
            || selecting.Any(entry => (entry.Policy.Spec.Ingress ?? []).Any(rule =>
                SourceMatches(rule.FromProperty, entry.Namespace, from) && PortMatches(rule.Ports, to, port, protocol)));
    }

    /// <summary>Without <c>policyTypes</c> a policy is an Ingress policy (and also Egress if it has egress rules).</summary>
    private static bool AppliesToIngress(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes is not { Count: > 0 } types || types.Contains("Ingress");

    private bool SourceMatches(IList<V1NetworkPolicyPeer>? peers, string policyNamespace, PolicyPod from) =>
        peers is not { Count: > 0 } || peers.Any(peer => PeerMatches(peer, policyNamespace, from));

    private bool PeerMatches(V1NetworkPolicyPeer peer, string policyNamespace, PolicyPod from)
    {
        if (peer.IpBlock is not null)
        {
            throw new NotSupportedException("ipBlock peers: this evaluator reasons about pods, not addresses");
        }

        // A pod selector alone means pods of the policy's own namespace; a namespace selector alone, every pod there.
        var namespaceMatches = peer.NamespaceSelector is null
            ? from.Namespace == policyNamespace
            : namespaceLabels.TryGetValue(from.Namespace, out var labels) && Matches(peer.NamespaceSelector, labels);
        var podMatches = peer.PodSelector is null || Matches(peer.PodSelector, from.Labels);
        return namespaceMatches && podMatches;
    }

    private static bool PortMatches(IList<V1NetworkPolicyPort>? ports, PolicyPod to, int port, string protocol) =>
        ports is not { Count: > 0 } || ports.Any(rule =>
        {
            if ((rule.Protocol ?? "TCP") != protocol)
            {
                return false;
            }

            if (rule.Port is null)
            {
                return true;
            }

            if (int.TryParse(rule.Port.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return rule.EndPort is { } end ? port >= number && port <= end : port == number;
            }

            // A named port is looked up on the target pod: a name it does not have matches nothing.
            return to.Ports.Any(containerPort => containerPort.Name == rule.Port.Value && containerPort.ContainerPort == port && (containerPort.Protocol ?? "TCP") == protocol);
        });

    /// <summary>Label selector semantics: every matchLabels pair and every expression must hold; an empty selector selects all.</summary>
    public static bool Matches(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        var labelsMatch = (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
        return labelsMatch && (selector.MatchExpressions ?? []).All(expression =>
        {
            var present = labels.TryGetValue(expression.Key, out var value);
            return expression.OperatorProperty switch
            {
                "In" => present && expression.Values.Contains(value!),
                "NotIn" => !present || !expression.Values.Contains(value!),
                "Exists" => present,
                "DoesNotExist" => !present,
                _ => throw new NotSupportedException($"label selector operator {expression.OperatorProperty}"),
            };
        });
    }
}
