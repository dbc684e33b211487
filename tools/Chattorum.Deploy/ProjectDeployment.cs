using System.Text.Json;
using Chattorum.Messaging;

namespace Chattorum.Deploy;

/// <summary>CPU and memory a container requests and may use at most, in Kubernetes quantities.</summary>
internal sealed record Sizing(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit);

/// <summary>
/// A project's <c>"deployment"</c> object in the Aspire manifest, written by the AppHost (<c>WithDeployment</c>,
/// <c>ManifestDeployment</c>) from its annotations: everything the generator knows of a project beyond Aspire's own entry.
/// </summary>
/// <param name="Component">The <c>app.kubernetes.io/component</c> label.</param>
/// <param name="ImageRepository">The image without registry and tag (<c>chattorum/chatapi</c>).</param>
/// <param name="ProbePort">The port the probes answer on, and nothing else (the applications' <c>Health:Port</c>).</param>
/// <param name="ReadyPath">The readiness probe's path.</param>
/// <param name="AlivePath">The startup and liveness probes' path.</param>
/// <param name="OptionalSecrets">Secret keys the project reads when they are set, whether or not the AppHost was given them.</param>
/// <param name="BrokerUser">The broker user it connects to RabbitMQ as, with its rights; none if it does not.</param>
/// <param name="ConnectsTo">The resources it talks to (its references), in app model order.</param>
internal sealed record ProjectDeployment(
    string Component,
    string ImageRepository,
    Sizing Sizing,
    int ProbePort,
    string ReadyPath,
    string AlivePath,
    IReadOnlyList<string> OptionalSecrets,
    BrokerIdentity? BrokerUser,
    IReadOnlyList<string> ConnectsTo)
{
    public const string PropertyName = "deployment";

    /// <summary>Reads the object; a missing or mistyped property throws, naming the project.</summary>
    public static ProjectDeployment Read(string project, JsonElement json)
    {
        try
        {
            var resources = Property(json, "resources");
            var requests = Property(resources, "requests");
            var limits = Property(resources, "limits");
            var probes = Property(json, "probes");
            return new ProjectDeployment(
                Component: Text(json, "component"),
                ImageRepository: Text(json, "image"),
                Sizing: new Sizing(Text(requests, "cpu"), Text(requests, "memory"), Text(limits, "cpu"), Text(limits, "memory")),
                ProbePort: Port(probes, "port"),
                ReadyPath: Text(probes, "ready"),
                AlivePath: Text(probes, "alive"),
                OptionalSecrets: Texts(json, "optionalSecrets"),
                BrokerUser: json.TryGetProperty("brokerUser", out var broker)
                    ? new BrokerIdentity(Text(broker, "name"), new BrokerPermissions(Text(broker, "configure"), Text(broker, "write"), Text(broker, "read")))
                    : null,
                ConnectsTo: Texts(json, "connectsTo"));
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"Project '{project}': its \"{PropertyName}\" object in the Aspire manifest is incomplete ({exception.Message}).", exception);
        }
    }

    /// <summary>A property that must be there; GetString and EnumerateArray throw InvalidOperationException on a wrong type.</summary>
    private static JsonElement Property(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) ? value : throw new InvalidOperationException($"no \"{property}\"");

    private static string Text(JsonElement json, string property) =>
        Property(json, property).GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"\"{property}\" is empty");

    private static int Port(JsonElement json, string property) =>
        Property(json, property) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var port) && port is > 0 and <= ushort.MaxValue
            ? port
            : throw new InvalidOperationException($"\"{property}\" is not a TCP port");

    private static List<string> Texts(JsonElement json, string property) =>
        Property(json, property).EnumerateArray().Select(item => item.GetString() ?? throw new InvalidOperationException($"\"{property}\" holds a null")).ToList();
}
