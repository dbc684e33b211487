using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// Aspire's JSON manifest (<c>--publisher manifest</c>) leaves out how many replicas a project runs.
/// tools/Chattorum.Deploy turns the manifest into Kubernetes objects and needs that number, so these projects write their
/// entry themselves: exactly what Aspire writes for a project (<c>project.v0</c>: path, args, env, bindings), plus
/// <c>"replicas"</c> from the resource's <see cref="ReplicaAnnotation"/>. Tools that do not know the extra property ignore it.
/// </summary>
internal static class ManifestReplicas
{
    public const string PropertyName = "replicas";

    public static IResourceBuilder<ProjectResource> WithReplicasInManifest(this IResourceBuilder<ProjectResource> project)
    {
        var resource = project.Resource;
        return project.WithManifestPublishingCallback(async context =>
        {
            context.Writer.WriteString("type", "project.v0");
            context.Writer.WriteString("path", context.GetManifestRelativePath(resource.GetProjectMetadata().ProjectPath));
            await context.WriteCommandLineArgumentsAsync(resource).ConfigureAwait(false);
            await context.WriteEnvironmentVariablesAsync(resource).ConfigureAwait(false);
            context.WriteBindings(resource);
            var replicas = resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
            context.Writer.WriteNumber(PropertyName, replicas);
        });
    }
}
