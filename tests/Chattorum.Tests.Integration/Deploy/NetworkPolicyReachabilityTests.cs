using Chattorum.Deploy;
using k8s;
using k8s.Models;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// Who may open a connection to whom under the committed NetworkPolicies: every pod of every committed folder, plus pods
/// the manifests do not have (the ingress controller's, the gateway's proxy, a pod in another namespace, an unlabelled
/// pod in the application's namespace), against every named container port of every workload, computed with
/// <see cref="NetworkPolicyEvaluator"/> and compared with the one matrix the design allows. Denials are everything else.
/// </summary>
public class NetworkPolicyReachabilityTests
{
    private const string AppNamespace = "chattorum";
    private const string IngressController = "ingress-nginx-controller";
    private const string GatewayProxy = "envoy-gateway-proxy";
    private const string Stranger = "other-namespace-pod";
    private const string Unlabelled = "unlabelled-pod";

    /// <summary>Allowed connections of deploy/k8s: (source, target, target's port name).</summary>
    private static readonly string[] SingleRedisMatrix =
    [
        $"{IngressController} -> chatapi:http",
        "chatapi -> cache:redis",
        "chatapi -> messaging:amqp",
        "stockbot -> messaging:amqp",
        "messaging -> messaging:epmd",
        "messaging -> messaging:cluster-links",
        "chatapi -> dashboard:otlp-grpc",
        "stockbot -> dashboard:otlp-grpc",
    ];

    [Fact]
    public void Committed_policies_allow_exactly_the_designed_connections() =>
        AssertMatrix(AspireManifestFixture.CommittedFolder, SingleRedisMatrix);

    [Fact]
    public void Redis_Cluster_nodes_and_the_Job_that_forms_the_cluster_reach_the_nodes() =>
        AssertMatrix(AspireManifestFixture.CommittedRedisClusterFolder,
        [
            .. SingleRedisMatrix,
            "cache -> cache:redis",
            "cache -> cache:bus",
            "cache-create -> cache:redis",
        ]);

    [Fact]
    public void With_the_Gateway_API_the_gateways_proxies_reach_the_chat_and_the_ingress_controller_does_not() =>
        AssertMatrix(AspireManifestFixture.CommittedGatewayFolder,
        [
            .. SingleRedisMatrix.Where(entry => !entry.StartsWith(IngressController, StringComparison.Ordinal)),
            $"{GatewayProxy} -> chatapi:http",
        ]);

    [Theory]
    [InlineData("stockbot", "cache", "redis")]
    [InlineData(IngressController, "cache", "redis")]
    [InlineData(IngressController, "messaging", "amqp")]
    [InlineData(IngressController, "dashboard", "ui")]
    [InlineData("chatapi", "dashboard", "ui")]
    [InlineData("chatapi", "messaging", "epmd")]
    [InlineData("cache", "messaging", "amqp")]
    [InlineData("dashboard", "cache", "redis")]
    [InlineData("stockbot", "chatapi", "http")]
    [InlineData(Stranger, "chatapi", "http")]
    [InlineData(Unlabelled, "dashboard", "otlp-grpc")]
    public void Named_denials_hold(string from, string to, string port)
    {
        var (pods, evaluator) = Load(AspireManifestFixture.CommittedFolder);
        var target = pods[to];

        Assert.False(evaluator.Allows(pods[from], target, target.PortNumber(port)), $"{from} -> {to}:{port} is allowed");
    }

    [Fact]
    public void The_ingress_controller_reaches_no_other_port_of_the_chat()
    {
        var (pods, evaluator) = Load(AspireManifestFixture.CommittedFolder);
        var chat = pods["chatapi"];
        var http = chat.PortNumber("http");

        // Whatever else a chat pod listens on (a management port for its probes), the ingress controller does not reach.
        foreach (var port in new[] { http - 1, http + 1, 8081, 9090 })
        {
            Assert.False(evaluator.Allows(pods[IngressController], chat, port), $"the ingress controller reaches chatapi:{port}");
        }
    }

    private static void AssertMatrix(string folder, IEnumerable<string> expected)
    {
        var (pods, evaluator) = Load(folder);
        var targets = pods.Values.Where(pod => pod.Namespace == AppNamespace && pod.Ports.Count > 0).ToList();

        var allowed = (
            from source in pods.Values
            from target in targets
            from port in target.Ports
            where evaluator.Allows(source, target, port.ContainerPort)
            select $"{source.Name} -> {target.Name}:{port.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(expected.Order(StringComparer.Ordinal), allowed);
    }

    /// <summary>The folder's workloads as pods in the application's namespace, the pods beside them, and its policies.</summary>
    private static (Dictionary<string, PolicyPod> Pods, NetworkPolicyEvaluator Evaluator) Load(string folder)
    {
        var objects = KubernetesManifestTests.CommittedObjects(folder).Select(o => o.Object).ToList();
        var pods = objects.OfType<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template))
            .Concat(objects.OfType<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template)))
            .Concat(objects.OfType<V1Job>().Select(j => (j.Metadata.Name, j.Spec.Template)))
            .Select(workload => new PolicyPod(
                AppNamespace,
                workload.Name,
                workload.Template.Metadata.Labels,
                workload.Template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToList()))
            .Append(new PolicyPod(DeployOptions.DefaultIngressNamespace, IngressController, Labelled("ingress-nginx"), []))
            .Append(new PolicyPod(DeployOptions.DefaultGatewayNamespace, GatewayProxy, Labelled("envoy"), []))
            .Append(new PolicyPod("other", Stranger, Labelled("chatapi"), []))
            .Append(new PolicyPod(AppNamespace, Unlabelled, new Dictionary<string, string>(), []))
            .ToDictionary(pod => pod.Name);

        var namespaces = new[] { AppNamespace, DeployOptions.DefaultIngressNamespace, DeployOptions.DefaultGatewayNamespace, "other" }
            .ToDictionary(name => name, name => (IDictionary<string, string>)new Dictionary<string, string> { [KubernetesGenerator.NamespaceNameLabel] = name });
        var policies = objects.OfType<V1NetworkPolicy>().Select(policy => (policy.Metadata.NamespaceProperty ?? AppNamespace, policy)).ToList();
        Assert.NotEmpty(policies);
        return (pods, new NetworkPolicyEvaluator(policies, namespaces));
    }

    /// <summary>A foreign pod that even wears one of our names: only its namespace may let it in.</summary>
    private static Dictionary<string, string> Labelled(string name) => new()
    {
        [KubernetesGenerator.Labels.Name] = name,
        [KubernetesGenerator.Labels.PartOf] = name == "chatapi" ? KubernetesGenerator.PartOf : "other",
    };
}
