using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace Chattorum.Deploy;

// KubernetesClient has typed models for the built-in kinds only: the few fields of the Gateway API
// (gateway.networking.k8s.io/v1) and cert-manager (cert-manager.io/v1) kinds this tool writes, as records that the same
// YAML serializer writes (camelCase, nulls left out) and reads back (KubernetesYaml.LoadAllFromString with a type map).
// tools/k8s-validate checks them against the projects' own schemas. The spec is written after apiVersion, kind and
// metadata (a derived type's properties would otherwise come first), as kubectl and the built-in kinds write them.

/// <summary>A Gateway API or cert-manager object: the metadata every Kubernetes object has.</summary>
internal abstract record CustomObject : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = string.Empty;

    public string Kind { get; set; } = string.Empty;

    public V1ObjectMeta Metadata { get; set; } = new();
}

internal sealed record Gateway : CustomObject
{
    public const string GatewayApiVersion = "gateway.networking.k8s.io/v1";

    public Gateway()
    {
        ApiVersion = GatewayApiVersion;
        Kind = nameof(Gateway);
    }

    [YamlMember(Order = 1)]
    public GatewaySpec Spec { get; set; } = new();
}

internal sealed record GatewaySpec
{
    public string GatewayClassName { get; set; } = string.Empty;

    public List<GatewayListener> Listeners { get; set; } = [];
}

internal sealed record GatewayListener
{
    public string Name { get; set; } = string.Empty;

    public string? Hostname { get; set; }

    public int Port { get; set; }

    /// <summary><c>HTTP</c> or <c>HTTPS</c>.</summary>
    public string Protocol { get; set; } = string.Empty;

    public GatewayTlsConfig? Tls { get; set; }

    public AllowedRoutes? AllowedRoutes { get; set; }
}

internal sealed record GatewayTlsConfig
{
    /// <summary><c>Terminate</c>: the gateway holds the certificate and speaks plain HTTP to the Service.</summary>
    public string Mode { get; set; } = "Terminate";

    public List<SecretObjectReference> CertificateRefs { get; set; } = [];
}

internal sealed record SecretObjectReference
{
    public string Kind { get; set; } = "Secret";

    public string Name { get; set; } = string.Empty;
}

internal sealed record AllowedRoutes
{
    public RouteNamespaces? Namespaces { get; set; }
}

internal sealed record RouteNamespaces
{
    /// <summary><c>Same</c>: only routes of the Gateway's own namespace attach to it.</summary>
    public string From { get; set; } = "Same";
}

internal sealed record HttpRoute : CustomObject
{
    public HttpRoute()
    {
        ApiVersion = Gateway.GatewayApiVersion;
        Kind = "HTTPRoute";
    }

    [YamlMember(Order = 1)]
    public HttpRouteSpec Spec { get; set; } = new();
}

internal sealed record HttpRouteSpec
{
    public List<ParentReference> ParentRefs { get; set; } = [];

    public List<string>? Hostnames { get; set; }

    public List<HttpRouteRule> Rules { get; set; } = [];
}

internal sealed record ParentReference
{
    public string Name { get; set; } = string.Empty;

    public string? SectionName { get; set; }
}

internal sealed record HttpRouteRule
{
    public List<HttpRouteMatch> Matches { get; set; } = [];

    public List<HttpBackendRef> BackendRefs { get; set; } = [];

    public HttpRouteTimeouts? Timeouts { get; set; }
}

internal sealed record HttpRouteMatch
{
    public HttpPathMatch Path { get; set; } = new();
}

internal sealed record HttpPathMatch
{
    public string Type { get; set; } = "PathPrefix";

    public string Value { get; set; } = "/";
}

internal sealed record HttpBackendRef
{
    public string Name { get; set; } = string.Empty;

    public int Port { get; set; }
}

/// <summary>Gateway API durations (<c>0s</c>: no timeout).</summary>
internal sealed record HttpRouteTimeouts
{
    public string? Request { get; set; }

    public string? BackendRequest { get; set; }
}

/// <summary>A cert-manager Certificate: cert-manager keeps <see cref="CertificateSpec.SecretName"/> holding a valid certificate.</summary>
internal sealed record Certificate : CustomObject
{
    public const string CertManagerApiVersion = "cert-manager.io/v1";

    public Certificate()
    {
        ApiVersion = CertManagerApiVersion;
        Kind = nameof(Certificate);
    }

    [YamlMember(Order = 1)]
    public CertificateSpec Spec { get; set; } = new();
}

internal sealed record CertificateSpec
{
    public string SecretName { get; set; } = string.Empty;

    public List<string> DnsNames { get; set; } = [];

    public IssuerReference IssuerRef { get; set; } = new();
}

internal sealed record IssuerReference
{
    public string Name { get; set; } = string.Empty;

    public string Kind { get; set; } = "ClusterIssuer";

    public string Group { get; set; } = "cert-manager.io";
}

/// <summary>The kinds above by <c>apiVersion/kind</c>, for reading them back with <c>KubernetesYaml.LoadAllFromString</c>.</summary>
internal static class CustomObjectTypes
{
    public static IDictionary<string, Type> Map { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [$"{Gateway.GatewayApiVersion}/Gateway"] = typeof(Gateway),
        [$"{Gateway.GatewayApiVersion}/HTTPRoute"] = typeof(HttpRoute),
        [$"{Certificate.CertManagerApiVersion}/Certificate"] = typeof(Certificate),
    };
}
