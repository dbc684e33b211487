using System.Diagnostics;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One started <see cref="RabbitMqCluster"/> shared by every test class of the collection (three Erlang VMs take
/// seconds to boot and join). Tests of one collection run one at a time, so each may break the cluster; each starts
/// with <see cref="RabbitMqCluster.HealAsync"/> and must not assume which node leads a queue.
/// </summary>
public sealed class RabbitMqClusterFixture : IAsyncLifetime
{
    private RabbitMqCluster? _cluster;

    public RabbitMqCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    /// <summary>How long starting the nodes and forming the cluster took.</summary>
    public TimeSpan StartedIn { get; private set; }

    public async Task InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        _cluster = await RabbitMqCluster.StartAsync();
        StartedIn = started.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RabbitMqClusterCollection : ICollectionFixture<RabbitMqClusterFixture>
{
    public const string Name = "RabbitMQ Cluster";
}
