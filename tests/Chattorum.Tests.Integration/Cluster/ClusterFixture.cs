using Chattorum.Tests.Integration.Support;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Cluster;

/// <summary>Three chat nodes, each its own process, on one Redis.</summary>
public sealed class ClusterFixture : IAsyncLifetime, IAsyncDisposable
{
    public const int NodeCount = 3;

    public RedisServer Redis { get; private set; } = null!;

    public ConnectionMultiplexer RedisConnection { get; private set; } = null!;

    public List<ChatNodeProcess> Nodes { get; } = [];

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        RedisConnection = await RedisFixture.ConnectAsync(Redis);
        Nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(_ => ChatNodeProcess.StartAsync(Redis))));
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        await RedisConnection.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
