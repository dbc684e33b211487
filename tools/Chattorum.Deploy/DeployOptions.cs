namespace Chattorum.Deploy;

/// <summary>
/// What the generated manifests may vary by; the defaults produce what is committed in deploy/k8s/, and
/// <see cref="RedisCluster"/> what is committed in deploy/k8s-redis-cluster/.
/// </summary>
internal sealed record DeployOptions
{
    public const string DefaultOutputFolder = "deploy/k8s";

    public const string RedisClusterOutputFolder = "deploy/k8s-redis-cluster";

    public const string GatewayOutputFolder = "deploy/k8s-gateway";

    /// <summary>Where the community ingress-nginx controller runs (its install manifests' namespace).</summary>
    public const string DefaultIngressNamespace = "ingress-nginx";

    /// <summary>Where Envoy Gateway runs its proxies by default (its controller's namespace).</summary>
    public const string DefaultGatewayNamespace = "envoy-gateway-system";

    /// <summary>The GatewayClass of Envoy Gateway's quick start.</summary>
    public const string DefaultGatewayClass = "eg";

    /// <summary>
    /// Prefix of the application images, e.g. <c>registry.example.com/team</c>: images are <c>[REGISTRY/]REPOSITORY:TAG</c>,
    /// the repository from the app model (<c>chattorum/chatapi</c>).
    /// </summary>
    public string? ImageRegistry { get; init; }

    /// <summary>Tag of the application images: by default the release (<see cref="ImageReference.ReleaseTag"/>), never <c>latest</c>.</summary>
    public string Tag { get; init; } = ImageReference.ReleaseTag;

    /// <summary>
    /// No StatefulSets for Redis and RabbitMQ: the connection strings in the Secret point at services managed elsewhere.
    /// </summary>
    public bool ExternalServices { get; init; }

    /// <summary>
    /// Redis as a Redis Cluster (three primaries, three replicas) instead of one Redis: a StatefulSet of six cluster-enabled
    /// pods and a Job that forms the cluster. With <see cref="ExternalServices"/> nothing changes: a managed cluster's
    /// endpoint goes in the Secret like any managed Redis's.
    /// </summary>
    public bool RedisCluster { get; init; }

    /// <summary>Where these manifests are committed (relative to the repository), for the header of every file.</summary>
    public string OutputFolder => RedisCluster ? RedisClusterOutputFolder : Routing == Routing.Gateway ? GatewayOutputFolder : DefaultOutputFolder;

    /// <summary>How clients reach the application: an Ingress, or a Gateway API Gateway and HTTPRoute.</summary>
    public Routing Routing { get; init; } = Routing.Ingress;

    /// <summary>The GatewayClass of the Gateway (with <see cref="Routing.Gateway"/>).</summary>
    public string GatewayClass { get; init; } = DefaultGatewayClass;

    /// <summary>The namespace whose pods forward client traffic (the ingress controller's, the gateway's proxies'); by default the one of <see cref="Routing"/>.</summary>
    public string? IngressNamespace { get; init; }

    public string ControllerNamespace => IngressNamespace ?? (Routing == Routing.Gateway ? DefaultGatewayNamespace : DefaultIngressNamespace);

    /// <summary>The cert-manager ClusterIssuer that issues the TLS certificate of <see cref="IngressHost"/>; none: the operator provides the certificate's Secret.</summary>
    public string? ClusterIssuer { get; init; }

    /// <summary>The host name of the Ingress rule; none means every host.</summary>
    public string? IngressHost { get; init; }

    public string IngressClass { get; init; } = "nginx";

    /// <summary>
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> of the applications: an OpenTelemetry collector of the operator's. None (the
    /// default) deploys the ops dashboard and sends the telemetry to it (<c>KubernetesGenerator.Dashboard.cs</c>).
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>The dashboard's browser login through an OpenID Connect provider instead of a browser token.</summary>
    public DashboardOidc? DashboardOidc { get; init; }

    /// <summary>The options on the command line that regenerates these manifests (for the header of every file).</summary>
    public IEnumerable<string> ToArguments()
    {
        var defaults = new DeployOptions();
        if (ImageRegistry is not null)
        {
            yield return $"--image-registry {ImageRegistry}";
        }

        if (Tag != defaults.Tag)
        {
            yield return $"--tag {Tag}";
        }

        if (ExternalServices)
        {
            yield return "--external-services";
        }

        if (RedisCluster)
        {
            yield return "--redis-cluster";
        }

        if (IngressHost is not null)
        {
            yield return $"--ingress-host {IngressHost}";
        }

        if (IngressClass != defaults.IngressClass)
        {
            yield return $"--ingress-class {IngressClass}";
        }

        if (Routing != defaults.Routing)
        {
            yield return $"--routing {Routing.ToString().ToLowerInvariant()}";
        }

        if (GatewayClass != defaults.GatewayClass)
        {
            yield return $"--gateway-class {GatewayClass}";
        }

        if (IngressNamespace is not null)
        {
            yield return $"--ingress-namespace {IngressNamespace}";
        }

        if (ClusterIssuer is not null)
        {
            yield return $"--cluster-issuer {ClusterIssuer}";
        }

        if (OtlpEndpoint is not null)
        {
            yield return $"--otlp-endpoint {OtlpEndpoint}";
        }

        if (DashboardOidc is not null)
        {
            yield return $"--dashboard-oidc-authority {DashboardOidc.Authority}";
            yield return $"--dashboard-oidc-client-id {DashboardOidc.ClientId}";
        }
    }
}

/// <summary>The OpenID Connect provider the dashboard's users sign in with; the client secret is in the dashboard's Secret.</summary>
internal sealed record DashboardOidc(string Authority, string ClientId);

/// <summary>How clients reach the application's HTTP endpoint.</summary>
internal enum Routing
{
    /// <summary>An Ingress (ingress-nginx annotations for WebSockets).</summary>
    Ingress,

    /// <summary>A Gateway API Gateway and HTTPRoute.</summary>
    Gateway,
}
