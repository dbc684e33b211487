using Chattorum.Messaging;

namespace Chattorum.AppHost;

/// <summary>CPU and memory a workload requests and may use at most, in Kubernetes quantities (<c>250m</c>, <c>256Mi</c>).</summary>
internal sealed record ResourceSizing(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit);

/// <summary>
/// What a deployment probes: the paths of ready to take traffic and alive (<c>MapDefaultEndpoints</c> serves both), and
/// the port of their own they answer on there (the ServiceDefaults' <c>Health:Port</c>), which nothing outside the
/// cluster reaches. In run mode the AppHost sets no such port: the probes answer on the service's one port.
/// </summary>
internal sealed record HealthProbes(string ReadyPath, string AlivePath, int Port)
{
    /// <summary>The ServiceDefaults' <c>/health</c> and <c>/alive</c>, which every Chattorum service maps, on 8081 (the images' management port).</summary>
    public static HealthProbes Default { get; } = new("/health", "/alive", 8081);
}

/// <summary>
/// What a deployment of a project needs beyond what Aspire's manifest says of it: the component it is (a label), the
/// repository of its container image (without registry and tag), its sizing and its probes. Written into the project's
/// manifest entry (<see cref="ManifestDeployment"/>) for tools/Chattorum.Deploy.
/// </summary>
internal sealed class DeploymentAnnotation(string component, string imageRepository, ResourceSizing sizing, HealthProbes probes) : IResourceAnnotation
{
    public string Component { get; } = component;

    public string ImageRepository { get; } = imageRepository;

    public ResourceSizing Sizing { get; } = sizing;

    public HealthProbes Probes { get; } = probes;
}

/// <summary>
/// An environment variable the project reads from a secret that may or may not be given (<c>WithOptionalSecret</c>):
/// the AppHost passes it only when it has a value, a deployment always offers it as an optional key of the Secret.
/// </summary>
internal sealed class OptionalSecretAnnotation(string variable) : IResourceAnnotation
{
    public string Variable { get; } = variable;
}

/// <summary>The broker user a project connects to RabbitMQ as (<c>WithBrokerUser</c>), and its rights.</summary>
internal sealed class BrokerUserAnnotation(string user, BrokerPermissions permissions) : IResourceAnnotation
{
    public string User { get; } = user;

    public BrokerPermissions Permissions { get; } = permissions;
}
