using System.Text.Json;
using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// Aspire's JSON manifest (<c>--publisher manifest</c>) says nothing of how a project is deployed: not even how many
/// replicas it runs. tools/Chattorum.Deploy turns the manifest into Kubernetes objects and needs those facts, so these
/// projects write their entry themselves: exactly what Aspire writes for a project (<c>project.v0</c>: path, args, env,
/// bindings), plus <c>"replicas"</c> (the <see cref="ReplicaAnnotation"/>) and a <c>"deployment"</c> object with what
/// the app model's annotations say of it (<see cref="DeploymentAnnotation"/>, <see cref="OptionalSecretAnnotation"/>,
/// <see cref="BrokerUserAnnotation"/>, and the resources it references). Tools that do not know the extra properties
/// ignore them; the generator then knows no project by name.
/// </summary>
internal static class ManifestDeployment
{
    public const string ReplicasProperty = "replicas";
    public const string DeploymentProperty = "deployment";

    /// <summary>The relationship <c>WithReference</c> records (Aspire's <c>WithReferenceRelationship</c>).</summary>
    private const string ReferenceRelationship = "Reference";

    /// <summary>
    /// Gives <paramref name="project"/> a deployment of <paramref name="component"/> sized by <paramref name="sizing"/>,
    /// from the image <paramref name="imageRepository"/> (by default <c>chattorum/NAME</c>, the project's
    /// <c>ContainerRepository</c>), probed on <paramref name="probes"/> (by default <see cref="HealthProbes.Default"/>),
    /// and writes its manifest entry with all of that.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDeployment(
        this IResourceBuilder<ProjectResource> project,
        string component,
        ResourceSizing sizing,
        string? imageRepository = null,
        HealthProbes? probes = null)
    {
        var resource = project.Resource;
        var annotation = new DeploymentAnnotation(component, imageRepository ?? $"chattorum/{resource.Name}", sizing, probes ?? HealthProbes.Default);
        return project
            .WithAnnotation(annotation, ResourceAnnotationMutationBehavior.Replace)
            .WithManifestPublishingCallback(async context =>
            {
                context.Writer.WriteString("type", "project.v0");
                context.Writer.WriteString("path", context.GetManifestRelativePath(resource.GetProjectMetadata().ProjectPath));
                await context.WriteCommandLineArgumentsAsync(resource).ConfigureAwait(false);
                await context.WriteEnvironmentVariablesAsync(resource).ConfigureAwait(false);
                context.WriteBindings(resource);
                var replicas = resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
                context.Writer.WriteNumber(ReplicasProperty, replicas);
                WriteDeployment(context.Writer, resource);
            });
    }

    private static void WriteDeployment(Utf8JsonWriter writer, ProjectResource resource)
    {
        var deployment = resource.Annotations.OfType<DeploymentAnnotation>().Last();
        writer.WriteStartObject(DeploymentProperty);
        writer.WriteString("component", deployment.Component);
        writer.WriteString("image", deployment.ImageRepository);

        writer.WriteStartObject("resources");
        WriteQuantities(writer, "requests", deployment.Sizing.CpuRequest, deployment.Sizing.MemoryRequest);
        WriteQuantities(writer, "limits", deployment.Sizing.CpuLimit, deployment.Sizing.MemoryLimit);
        writer.WriteEndObject();

        writer.WriteStartObject("probes");
        writer.WriteNumber("port", deployment.Probes.Port);
        writer.WriteString("ready", deployment.Probes.ReadyPath);
        writer.WriteString("alive", deployment.Probes.AlivePath);
        writer.WriteEndObject();

        writer.WriteStartArray("optionalSecrets");
        foreach (var secret in resource.Annotations.OfType<OptionalSecretAnnotation>().Select(s => s.Variable).Distinct(StringComparer.Ordinal))
        {
            writer.WriteStringValue(secret);
        }

        writer.WriteEndArray();

        if (resource.Annotations.OfType<BrokerUserAnnotation>().LastOrDefault() is { } broker)
        {
            writer.WriteStartObject("brokerUser");
            writer.WriteString("name", broker.User);
            writer.WriteString("configure", broker.Permissions.Configure);
            writer.WriteString("write", broker.Permissions.Write);
            writer.WriteString("read", broker.Permissions.Read);
            writer.WriteEndObject();
        }

        // Which services it talks to: what it references, other than parameters (those are values, not services).
        writer.WriteStartArray("connectsTo");
        foreach (var name in resource.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(relationship => relationship.Type == ReferenceRelationship && relationship.Resource is not ParameterResource)
            .Select(relationship => relationship.Resource.Name)
            .Distinct(StringComparer.Ordinal))
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteQuantities(Utf8JsonWriter writer, string name, string cpu, string memory)
    {
        writer.WriteStartObject(name);
        writer.WriteString("cpu", cpu);
        writer.WriteString("memory", memory);
        writer.WriteEndObject();
    }
}
