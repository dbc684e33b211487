using System.Diagnostics;
using Chattorum.Deploy;

namespace Chattorum.Tests.Integration.Deploy;

[CollectionDefinition(Name)]
public sealed class DeployCollection : ICollectionFixture<AspireManifestFixture>
{
    public const string Name = "Deploy";
}

/// <summary>
/// Runs the AppHost's Aspire manifest publisher once (the AppHost built beside these tests, in the same configuration, as a
/// process: <c>dotnet Chattorum.AppHost.dll --publisher manifest --output-path ...</c>) and keeps the JSON for the tests.
/// </summary>
public sealed class AspireManifestFixture : IAsyncLifetime
{
    private readonly DirectoryInfo temp = Directory.CreateTempSubdirectory("chattorum-deploy-tests-");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The committed manifests.</summary>
    public static string CommittedFolder => Path.Combine(RepositoryRoot, "deploy", "k8s");

    public const string RegenerateCommand = "dotnet run --project tools/Chattorum.Deploy -- --output deploy/k8s";

    /// <summary>The committed manifests of the Redis Cluster variant (<c>--redis-cluster</c>).</summary>
    public static string CommittedRedisClusterFolder => Path.Combine(RepositoryRoot, "deploy", "k8s-redis-cluster");

    public const string RegenerateRedisClusterCommand = "dotnet run --project tools/Chattorum.Deploy -- --output deploy/k8s-redis-cluster --redis-cluster";

    /// <summary>The committed manifests of the Gateway API variant (<c>--routing gateway</c>).</summary>
    public static string CommittedGatewayFolder => Path.Combine(RepositoryRoot, "deploy", "k8s-gateway");

    public const string RegenerateGatewayCommand = "dotnet run --project tools/Chattorum.Deploy -- --output deploy/k8s-gateway --routing gateway";

    public string ManifestPath => Path.Combine(temp.FullName, "aspire-manifest.json");

    public string ManifestJson { get; private set; } = string.Empty;

    public TimeSpan PublishTime { get; private set; }

    internal AspireManifest Manifest => AspireManifest.Parse(ManifestJson);

    /// <summary>A fresh folder under this fixture's temporary folder.</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(temp.FullName, name)).FullName;

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        await AspireManifestPublisher.PublishAsync(AppHostAssembly(), ManifestPath);
        PublishTime = stopwatch.Elapsed;
        ManifestJson = await File.ReadAllTextAsync(ManifestPath);
    }

    public Task DisposeAsync()
    {
        temp.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The AppHost built beside these tests, in the same configuration.</summary>
    private static string AppHostAssembly()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(RepositoryRoot, "src", "Chattorum.AppHost", "bin", configuration, "net10.0", "Chattorum.AppHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build Chattorum.AppHost first", path);
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Chattorum.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Chattorum.sln above {AppContext.BaseDirectory}");
    }
}
