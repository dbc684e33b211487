using System.Globalization;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// The environment a container of our images starts with: the base image's (src/ContainerImage.props chooses it) and
/// then the image's own (<c>ContainerEnvironmentVariable</c>). Taken from the base image's Dockerfiles
/// (github.com/dotnet/dotnet-docker, src/runtime-deps/10.0/noble-chiseled: the aspnet and runtime layers above it add
/// only the informational DOTNET_VERSION and ASPNET_VERSION), since no image can be pulled here.
/// </summary>
internal static class ContainerEnvironment
{
    /// <summary>The base image these values belong to: a test fails when the projects choose another.</summary>
    public const string BaseImage = "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled";

    /// <summary>The base image's non-root user <c>app</c>.</summary>
    public const int AppUid = 1654;

    /// <summary>The port ASP.NET Core listens on in the base image.</summary>
    public const int HttpPort = 8080;

    /// <summary>The management port the images declare besides, for the health endpoints the probes call.</summary>
    public const int ManagementPort = 8081;

    /// <summary>
    /// The container runtime's default PATH: the base image sets none. (The runtime also sets HOME, to /home/app from
    /// the image's /etc/passwd: <see cref="PublishedApp.Home"/> stands in for it.)
    /// </summary>
    public const string RuntimePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static IReadOnlyDictionary<string, string> OfBaseImage { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["APP_UID"] = AppUid.ToString(CultureInfo.InvariantCulture),
        ["ASPNETCORE_HTTP_PORTS"] = HttpPort.ToString(CultureInfo.InvariantCulture),
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "true",
    };

    /// <summary>The base image's environment with the image's own variables over it, as the image's config lists them.</summary>
    public static Dictionary<string, string> Of(ContainerConfig config)
    {
        var environment = new Dictionary<string, string>(OfBaseImage, StringComparer.Ordinal);
        foreach (var (name, value) in config.Environment)
        {
            environment[name] = value;
        }

        return environment;
    }
}
