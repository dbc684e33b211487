using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One started <see cref="RedisClusterServer"/> shared by every test class of the collection (six processes take a
/// few seconds to form a cluster). Tests of one collection run one at a time, so each may break the cluster; each
/// starts with <see cref="RedisClusterServer.HealAsync"/> and must not assume which nodes are primaries.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    /// <summary>How often a multiplexer tries to get back to a node it lost: the chat node's setting.</summary>
    private const int ReconnectIntervalMilliseconds = 500;

    private RedisClusterServer? _cluster;

    public RedisClusterServer Cluster => _cluster ?? throw new InvalidOperationException("not started");

    /// <summary>How long forming the cluster took.</summary>
    public TimeSpan StartedIn { get; private set; }

    /// <summary>
    /// A multiplexer on the cluster, with the chat node's options (see Chattorum.ChatApi's AddChat).
    /// <paramref name="libraryLog"/> receives the library's own log (its reconfigurations, reconnections), to see why it did what it did.
    /// </summary>
    public Task<ConnectionMultiplexer> ConnectAsync(ILoggerFactory? libraryLog = null)
    {
        var options = ConfigurationOptions.Parse(Cluster.ConnectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ReconnectRetryPolicy = new LinearRetry(ReconnectIntervalMilliseconds);
        options.LoggerFactory = libraryLog;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        _cluster = await RedisClusterServer.StartAsync();
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
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "Redis Cluster";
}
