namespace Chattorum.Deploy;

/// <summary>
/// What the generated manifests may vary by; the defaults produce what is committed in deploy/k8s/, and
/// <see cref="RedisCluster"/> what is committed in deploy/k8s-redis-cluster/.
/// </summary>
internal sealed record DeployOptions
{
    public const string DefaultOutputFolder = "deploy/k8s";

    public const string RedisClusterOutputFolder = "deploy/k8s-redis-cluster";

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
    public string OutputFolder => RedisCluster ? RedisClusterOutputFolder : DefaultOutputFolder;

    /// <summary>The host name of the Ingress rule; none means every host.</summary>
    public string? IngressHost { get; init; }

    public string IngressClass { get; init; } = "nginx";

    /// <summary><c>OTEL_EXPORTER_OTLP_ENDPOINT</c> of the applications: an OpenTelemetry collector in the cluster.</summary>
    public string OtlpEndpoint { get; init; } = "http://otel-collector:4317";

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

        if (OtlpEndpoint != defaults.OtlpEndpoint)
        {
            yield return $"--otlp-endpoint {OtlpEndpoint}";
        }
    }
}
