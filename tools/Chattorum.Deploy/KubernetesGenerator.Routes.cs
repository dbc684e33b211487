using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// Services and routes: how clients reach the pods. The client Service (spread over the ready pods), the headless
/// Service of a StatefulSet (a DNS name per pod), and the Ingress of an application with an external HTTP endpoint.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>The port of an application's Service (and so of the Ingress backend).</summary>
    public const int ServicePort = 80;

    /// <summary>nginx ingress timeouts (seconds) for idle WebSockets: an hour rather than the default minute.</summary>
    public const string WebSocketTimeoutSeconds = "3600";

    /// <summary>An externally reached application: its Service and the Ingress in front of it.</summary>
    private IEnumerable<IKubernetesObject> Routes(string name, IDictionary<string, string> labels, IDictionary<string, string> selector, AspireBinding http)
    {
        yield return ClientService(name, labels, selector, [new V1ServicePort { Name = http.Name, Port = ServicePort, TargetPort = http.Name, Protocol = "TCP" }]);
        foreach (var route in ClientRoutes(name, labels, http.Name))
        {
            yield return route;
        }
    }

    private V1Ingress Ingress(string name, IDictionary<string, string> labels, string portName)
    {
        var metadata = Metadata(name, labels);
        // No session affinity: a client that reconnects to any replica resumes with "since".
        metadata.Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["nginx.ingress.kubernetes.io/proxy-read-timeout"] = WebSocketTimeoutSeconds,
            ["nginx.ingress.kubernetes.io/proxy-send-timeout"] = WebSocketTimeoutSeconds,
        };

        return new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = metadata,
            Spec = new V1IngressSpec
            {
                IngressClassName = options.IngressClass,
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = options.IngressHost,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths =
                            [
                                new V1HTTPIngressPath
                                {
                                    Path = "/",
                                    PathType = "Prefix",
                                    Backend = new V1IngressBackend
                                    {
                                        Service = new V1IngressServiceBackend { Name = name, Port = new V1ServiceBackendPort { Name = portName } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        };
    }

    /// <summary>The Service clients connect through: it spreads them over the ready pods.</summary>
    private static V1Service ClientService(string name, IDictionary<string, string> labels, IDictionary<string, string> selector, IList<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(name, labels),
        Spec = new V1ServiceSpec { Type = "ClusterIP", Selector = selector, Ports = ports },
    };

    /// <summary>
    /// The headless Service of a StatefulSet: a DNS name per pod (<c>NAME-0.NAME-headless</c>), published before the pod is
    /// ready, so that nodes (and bootstrap jobs) find each other while a cluster is still forming.
    /// </summary>
    private static V1Service HeadlessService(string name, IDictionary<string, string> labels, IDictionary<string, string> selector, IList<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Metadata(name, labels),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            PublishNotReadyAddresses = true,
            Selector = selector,
            Ports = ports,
        },
    };
}
