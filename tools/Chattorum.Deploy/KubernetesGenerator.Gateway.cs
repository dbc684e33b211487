using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// TLS and the Gateway API. With a host name, clients connect over TLS: the Ingress gets a <c>tls</c> section (and, with
/// <see cref="DeployOptions.ClusterIssuer"/>, cert-manager's annotation, from which cert-manager's ingress support issues
/// the certificate), the Gateway an HTTPS listener (and an explicit cert-manager Certificate: cert-manager's Gateway
/// support is off unless enabled, a Certificate works everywhere). <see cref="Routing.Gateway"/> replaces the Ingress
/// with a Gateway and an HTTPRoute to the application's Service, which has only the application's port.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    public const string CertManagerClusterIssuerAnnotation = "cert-manager.io/cluster-issuer";

    public const int HttpsListenerPort = 443;

    public const int HttpListenerPort = 80;

    /// <summary>
    /// The HTTPRoute's request timeout: none. A WebSocket is one request that lasts as long as the connection, so any
    /// request deadline (Envoy Gateway's default is 15 s) would cut every chat connection; idle connections are kept
    /// alive by ChatApi's own pings (every 54 s), below the proxies' idle timeouts.
    /// </summary>
    public const string GatewayRequestTimeout = "0s";

    /// <summary>The Secret holding the TLS certificate of an application's host.</summary>
    public static string TlsSecretName(string name) => $"{name}-tls";

    /// <summary>The objects that route clients to an application's Service: an Ingress, or a Gateway and its HTTPRoute.</summary>
    private IEnumerable<IKubernetesObject> ClientRoutes(string name, IDictionary<string, string> labels, string portName)
    {
        if (options.Routing == Routing.Ingress)
        {
            return [WithTls(Ingress(name, labels, portName), name)];
        }

        var listener = options.IngressHost is null
            ? new GatewayListener { Name = "http", Port = HttpListenerPort, Protocol = "HTTP" }
            : new GatewayListener
            {
                Name = "https",
                Hostname = options.IngressHost,
                Port = HttpsListenerPort,
                Protocol = "HTTPS",
                Tls = new GatewayTlsConfig { CertificateRefs = [new SecretObjectReference { Name = TlsSecretName(name) }] },
            };
        listener.AllowedRoutes = new AllowedRoutes { Namespaces = new RouteNamespaces() };

        var objects = new List<IKubernetesObject>
        {
            new Gateway
            {
                Metadata = Metadata(name, labels),
                Spec = new GatewaySpec { GatewayClassName = options.GatewayClass, Listeners = [listener] },
            },
            new HttpRoute
            {
                Metadata = Metadata(name, labels),
                Spec = new HttpRouteSpec
                {
                    ParentRefs = [new ParentReference { Name = name, SectionName = listener.Name }],
                    Hostnames = options.IngressHost is null ? null : [options.IngressHost],
                    Rules =
                    [
                        new HttpRouteRule
                        {
                            Matches = [new HttpRouteMatch()],
                            BackendRefs = [new HttpBackendRef { Name = name, Port = ServicePort }],
                            Timeouts = new HttpRouteTimeouts { Request = GatewayRequestTimeout },
                        },
                    ],
                },
            },
        };

        if (options.IngressHost is not null && options.ClusterIssuer is not null)
        {
            objects.Add(new Certificate
            {
                Metadata = Metadata(TlsSecretName(name), labels),
                Spec = new CertificateSpec
                {
                    SecretName = TlsSecretName(name),
                    DnsNames = [options.IngressHost],
                    IssuerRef = new IssuerReference { Name = options.ClusterIssuer },
                },
            });
        }

        return objects;
    }

    /// <summary>With a host: TLS for it from <see cref="TlsSecretName"/>, which cert-manager fills when given an issuer.</summary>
    private V1Ingress WithTls(V1Ingress ingress, string name)
    {
        if (options.IngressHost is null)
        {
            return ingress;
        }

        ingress.Spec.Tls = [new V1IngressTLS { Hosts = [options.IngressHost], SecretName = TlsSecretName(name) }];
        if (options.ClusterIssuer is not null)
        {
            ingress.Metadata.Annotations[CertManagerClusterIssuerAnnotation] = options.ClusterIssuer;
        }

        return ingress;
    }
}
