using k8s;
using k8s.Models;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>The evaluator the reachability tests rely on, case by case against the NetworkPolicy semantics.</summary>
public class NetworkPolicyEvaluatorTests
{
    private const string App = "app";

    private static readonly Dictionary<string, IDictionary<string, string>> Namespaces = new()
    {
        [App] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = App },
        ["ingress"] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "ingress", ["team"] = "edge" },
        ["other"] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "other" },
    };

    private static readonly Dictionary<string, PolicyPod> Pods = new()
    {
        ["web"] = Pod(App, "web", new() { ["role"] = "web", ["tier"] = "front" }, ("http", 8080), ("admin", 9090)),
        ["db"] = Pod(App, "db", new() { ["role"] = "db" }, ("sql", 5432)),
        ["worker"] = Pod(App, "worker", new() { ["role"] = "worker" }),
        ["unlabelled"] = Pod(App, "unlabelled", []),
        ["proxy"] = Pod("ingress", "proxy", new() { ["role"] = "proxy" }),
        ["stranger"] = Pod("other", "stranger", new() { ["role"] = "web" }),
    };

    private const string DenyAll = """
        metadata: {name: deny}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
        """;

    public static TheoryData<string, string[], string, string, int, bool> Cases() => new()
    {
        { "no policy: everything is allowed", [], "worker", "db", 5432, true },
        { "deny-all isolates every pod", [DenyAll], "web", "db", 5432, false },
        { "deny-all as an empty ingress list", ["""
            metadata: {name: deny}
            spec: {podSelector: {}, policyTypes: [Ingress], ingress: []}
            """], "web", "db", 5432, false },
        { "a policy only for egress does not isolate ingress", ["""
            metadata: {name: egress}
            spec: {podSelector: {}, policyTypes: [Egress]}
            """], "worker", "db", 5432, true },
        { "without policyTypes a policy is an ingress policy", ["""
            metadata: {name: implicit}
            spec: {podSelector: {}}
            """], "worker", "db", 5432, false },
        { "a policy selecting other pods leaves this one open", ["""
            metadata: {name: web-only}
            spec: {podSelector: {matchLabels: {role: web}}, policyTypes: [Ingress]}
            """], "worker", "db", 5432, true },
        { "pod selector: the named pod may connect", [DenyAll, DbFromWeb], "web", "db", 5432, true },
        { "pod selector: another pod may not", [DenyAll, DbFromWeb], "worker", "db", 5432, false },
        { "pod selector alone means the policy's namespace", [DenyAll, DbFromWeb], "stranger", "db", 5432, false },
        { "allowed pod, wrong port", [DenyAll, DbFromWeb], "web", "db", 5433, false },
        { "rules add up across policies", [DenyAll, DbFromWeb, """
            metadata: {name: db-from-worker}
            spec:
              podSelector: {matchLabels: {role: db}}
              ingress: [{from: [{podSelector: {matchLabels: {role: worker}}}]}]
            """], "worker", "db", 5432, true },
        { "no ports: every port", [DenyAll, """
            metadata: {name: any-port}
            spec:
              podSelector: {matchLabels: {role: db}}
              ingress: [{from: [{podSelector: {matchLabels: {role: web}}}]}]
            """], "web", "db", 6000, true },
        { "no from: every source, other namespaces too", [DenyAll, """
            metadata: {name: any-source}
            spec:
              podSelector: {matchLabels: {role: db}}
              ingress: [{ports: [{port: 5432}]}]
            """], "stranger", "db", 5432, true },
        { "namespace selector alone: every pod of the namespace", [DenyAll, WebFromIngressNamespace], "proxy", "web", 8080, true },
        { "namespace selector: pods of other namespaces may not", [DenyAll, WebFromIngressNamespace], "stranger", "web", 8080, false },
        { "namespace selector: pods of the policy's own namespace may not", [DenyAll, WebFromIngressNamespace], "worker", "web", 8080, false },
        { "named port resolves on the target", [DenyAll, WebFromIngressNamespace], "proxy", "web", 9090, false },
        { "namespace and pod selector in one peer: both must hold", [DenyAll, """
            metadata: {name: both}
            spec:
              podSelector: {matchLabels: {role: web}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: edge}}, podSelector: {matchLabels: {role: other}}}]}]
            """], "proxy", "web", 8080, false },
        { "namespace and pod selector in two peers: either may hold", [DenyAll, """
            metadata: {name: either}
            spec:
              podSelector: {matchLabels: {role: web}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: edge}}}, {podSelector: {matchLabels: {role: other}}}]}]
            """], "proxy", "web", 8080, true },
        { "matchExpressions In", [DenyAll, DbFromExpression("{key: role, operator: In, values: [web, worker]}")], "worker", "db", 5432, true },
        { "matchExpressions In excludes the others", [DenyAll, DbFromExpression("{key: role, operator: In, values: [web]}")], "worker", "db", 5432, false },
        { "matchExpressions NotIn matches a pod without the label", [DenyAll, DbFromExpression("{key: role, operator: NotIn, values: [web]}")], "unlabelled", "db", 5432, true },
        { "matchExpressions Exists", [DenyAll, DbFromExpression("{key: tier, operator: Exists}")], "web", "db", 5432, true },
        { "matchExpressions DoesNotExist", [DenyAll, DbFromExpression("{key: tier, operator: DoesNotExist}")], "web", "db", 5432, false },
        { "port range", [DenyAll, """
            metadata: {name: range}
            spec:
              podSelector: {matchLabels: {role: web}}
              ingress: [{ports: [{port: 8000, endPort: 8100}]}]
            """], "worker", "web", 8080, true },
        { "protocol: a UDP rule does not open TCP", [DenyAll, """
            metadata: {name: udp}
            spec:
              podSelector: {matchLabels: {role: web}}
              ingress: [{ports: [{port: 8080, protocol: UDP}]}]
            """], "worker", "web", 8080, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates_the_NetworkPolicy_semantics(string description, string[] policies, string from, string to, int port, bool allowed)
    {
        var evaluator = new NetworkPolicyEvaluator(policies.Select(yaml => (App, KubernetesYaml.Deserialize<V1NetworkPolicy>(yaml, strict: true))).ToList(), Namespaces);

        Assert.True(evaluator.Allows(Pods[from], Pods[to], port) == allowed, $"{description}: {from} -> {to}:{port} should be {(allowed ? "allowed" : "denied")}");
    }

    [Fact]
    public void Refuses_ipBlock_peers_rather_than_guessing()
    {
        var policy = KubernetesYaml.Deserialize<V1NetworkPolicy>("""
            metadata: {name: cidr}
            spec:
              podSelector: {}
              ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
            """);
        var evaluator = new NetworkPolicyEvaluator([(App, policy)], Namespaces);

        Assert.Throws<NotSupportedException>(() => evaluator.Allows(Pods["web"], Pods["db"], 5432));
    }

    private const string DbFromWeb = """
        metadata: {name: db-from-web}
        spec:
          podSelector: {matchLabels: {role: db}}
          policyTypes: [Ingress]
          ingress:
          - from: [{podSelector: {matchLabels: {role: web}}}]
            ports: [{port: 5432, protocol: TCP}]
        """;

    private const string WebFromIngressNamespace = """
        metadata: {name: web-from-ingress}
        spec:
          podSelector: {matchLabels: {role: web}}
          policyTypes: [Ingress]
          ingress:
          - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}}]
            ports: [{port: http}]
        """;

    private static string DbFromExpression(string expression) => $$$"""
        metadata: {name: db-from-expression}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress: [{from: [{podSelector: {matchExpressions: [{{{expression}}}]}}]}]
        """;

    private static PolicyPod Pod(string ns, string name, Dictionary<string, string> labels, params (string Name, int Number)[] ports) =>
        new(ns, name, labels, ports.Select(port => new V1ContainerPort { Name = port.Name, ContainerPort = port.Number, Protocol = "TCP" }).ToList());
}
