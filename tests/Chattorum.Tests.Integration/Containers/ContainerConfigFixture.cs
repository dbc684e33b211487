using System.Diagnostics;

namespace Chattorum.Tests.Integration.Containers;

[CollectionDefinition(Name)]
public sealed class ContainersCollection : ICollectionFixture<ContainerConfigFixture>
{
    public const string Name = "Containers";
}

/// <summary>Every service's image configuration, computed once for the tests that read it (the two in parallel).</summary>
public sealed class ContainerConfigFixture : IAsyncLifetime
{
    private IReadOnlyDictionary<ServiceImage, ContainerConfig> _configs = new Dictionary<ServiceImage, ContainerConfig>();

    /// <summary>How long computing every configuration took, for the record.</summary>
    public TimeSpan ComputeTime { get; private set; }

    internal ContainerConfig this[ServiceImage service] => _configs[service];

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var configs = await Task.WhenAll(ServiceImages.All.Select(service => ContainerConfig.ComputeAsync(service.Project)));
        _configs = ServiceImages.All.Zip(configs).ToDictionary(pair => pair.First, pair => pair.Second);
        ComputeTime = stopwatch.Elapsed;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
