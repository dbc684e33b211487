using System.Globalization;
using System.Text.Json;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>One port the image declares (EXPOSE).</summary>
internal sealed record ContainerPortSpec(int Number, string Type);

/// <summary>
/// The configuration <c>dotnet publish -t:PublishContainer</c> would give a project's image, as the SDK's own
/// <c>ComputeContainerConfig</c> target computes it: everything but the layers, and computed without the base image,
/// so without a network. Paths are the container's (the app command names <c>/app/NAME.dll</c>).
/// </summary>
internal sealed record ContainerConfig(
    string BaseImage,
    string Registry,
    string Repository,
    IReadOnlyList<string> Tags,
    string User,
    string WorkingDirectory,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> AppCommand,
    IReadOnlyList<string> AppCommandArgs,
    IReadOnlyList<ContainerPortSpec> Ports,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Labels)
{
    private static readonly string[] Properties =
    [
        "ContainerBaseImage", "ContainerRegistry", "ContainerRepository", "ContainerUser", "ContainerWorkingDirectory",
    ];

    private static readonly string[] Items =
    [
        "ContainerImageTags", "ContainerEntrypoint", "ContainerAppCommand", "ContainerAppCommandArgs", "ContainerPort",
        "ContainerEnvironmentVariables", "ContainerLabel",
    ];

    /// <summary>The reference a manifest pulls the image by: <c>[registry/]repository:tag</c>.</summary>
    public string Image => $"{(Registry.Length > 0 ? Registry + "/" : string.Empty)}{Repository}:{Assert.Single(Tags)}";

    /// <summary>Runs <c>dotnet msbuild src/PROJECT -t:ComputeContainerConfig</c> (a few seconds; the project must be restored).</summary>
    public static async Task<ContainerConfig> ComputeAsync(string project, params string[] properties)
    {
        string[] arguments =
        [
            "msbuild", Path.Combine("src", project, $"{project}.csproj"),
            "-t:ComputeContainerConfig",
            $"-p:Configuration={DotnetCli.Configuration}",
            .. properties.Select(property => $"-p:{property}"),
            .. Properties.Select(name => $"-getProperty:{name}"),
            .. Items.Select(name => $"-getItem:{name}"),
        ];
        return Parse(await DotnetCli.RunAsync(arguments));
    }

    /// <summary>Reads MSBuild's <c>-getProperty</c>/<c>-getItem</c> answer (JSON: <c>{"Properties": {...}, "Items": {...}}</c>).</summary>
    public static ContainerConfig Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var properties = document.RootElement.GetProperty("Properties");
        var items = document.RootElement.GetProperty("Items");

        string Property(string name) => properties.GetProperty(name).GetString() ?? string.Empty;
        IEnumerable<JsonElement> Item(string name) => items.GetProperty(name).EnumerateArray();
        static string Identity(JsonElement item) => item.GetProperty("Identity").GetString()!;
        static string Value(JsonElement item) => item.GetProperty("Value").GetString()!;

        return new ContainerConfig(
            BaseImage: Property("ContainerBaseImage"),
            Registry: Property("ContainerRegistry"),
            Repository: Property("ContainerRepository"),
            Tags: [.. Item("ContainerImageTags").Select(Identity)],
            User: Property("ContainerUser"),
            WorkingDirectory: Property("ContainerWorkingDirectory"),
            Entrypoint: [.. Item("ContainerEntrypoint").Select(Identity)],
            AppCommand: [.. Item("ContainerAppCommand").Select(Identity)],
            AppCommandArgs: [.. Item("ContainerAppCommandArgs").Select(Identity)],
            Ports: [.. Item("ContainerPort").Select(port => new ContainerPortSpec(
                int.Parse(Identity(port), CultureInfo.InvariantCulture),
                port.TryGetProperty("Type", out var type) ? type.GetString()! : "tcp"))],
            Environment: Item("ContainerEnvironmentVariables").ToDictionary(Identity, Value, StringComparer.Ordinal),
            Labels: Item("ContainerLabel").ToDictionary(Identity, Value, StringComparer.Ordinal));
    }
}
