using System.Reflection;
using System.Text.RegularExpressions;

namespace Chattorum.Deploy;

/// <summary>
/// The application images the manifests name, <c>[REGISTRY/]REPOSITORY:TAG</c>. The tag is the release by default: the
/// <c>&lt;Version&gt;</c> of Directory.Build.props, which is also the images' <c>ContainerImageTag</c> and this tool's own
/// version, so images and manifests of one commit agree.
/// </summary>
internal static partial class ImageReference
{
    /// <summary>The tag this tool refuses: it names no particular build.</summary>
    public const string MovingTag = "latest";

    /// <summary>
    /// This tool's release (its informational version: the <c>&lt;Version&gt;</c> as written, prerelease suffix included,
    /// which is what <c>ContainerImageTag = $(Version)</c> tags the images with).
    /// </summary>
    public static string ReleaseTag { get; } =
        typeof(ImageReference).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? throw new InvalidOperationException("tools/Chattorum.Deploy has no informational version: set <Version> in Directory.Build.props.");

    /// <summary>Why <paramref name="tag"/> cannot tag the images, or null if it can.</summary>
    public static string? TagProblem(string tag)
    {
        if (string.Equals(tag, MovingTag, StringComparison.OrdinalIgnoreCase))
        {
            return $"'{tag}' is a moving tag: it names no particular build, so the pods of one Deployment may run different images " +
                   $"as they are rescheduled, and a rollback has nothing to return to. Tag the images with the release " +
                   $"(the default, {ReleaseTag}, the <Version> of Directory.Build.props) or another fixed tag.";
        }

        // The OCI distribution grammar of a tag.
        return TagPattern().IsMatch(tag)
            ? null
            : $"'{tag}' is not an image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'.";
    }

    /// <summary>Why <paramref name="registry"/> cannot prefix the images, or null if it can.</summary>
    public static string? RegistryProblem(string registry) =>
        RegistryPattern().IsMatch(registry)
            ? null
            : $"'{registry}' is not an image registry: HOST[:PORT][/PATH], without a scheme, a tag or a trailing '/' (registry.example.com/team).";

    /// <summary><c>[REGISTRY/]REPOSITORY:TAG</c>.</summary>
    public static string Of(string? registry, string repository, string tag) =>
        $"{(string.IsNullOrEmpty(registry) ? string.Empty : registry + "/")}{repository}:{tag}";

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // A host name or IP (with an optional port), then lower-case path components as in a repository name.
    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();
}
