namespace Chattorum.Tests.Integration.AppHost;

/// <summary>
/// The AppHost tests in Redis Cluster mode run alone: a second started app (six more Redis processes, RabbitMQ, three chat
/// nodes and the bot) beside the others' would put start-up deadlines at the mercy of a two-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisClusterAppHostCollection
{
    public const string Name = "AppHost, Redis Cluster";
}

/// <summary>
/// Starts <c>Chattorum.AppHost</c> with <c>--Chattorum:RedisCluster true</c> (six local <c>redis-server</c> processes formed
/// into a cluster by the <c>cache-create</c> step) and waits until the cluster (every node <c>cluster_state:ok</c>),
/// RabbitMQ, ChatApi and StockBot are healthy.
/// </summary>
public sealed class RedisClusterAppHostFixture() : AppHostFixture(Arguments, DefaultWaitedResources)
{
    /// <summary>The AppHost's command line: the switch as <c>dotnet run --project src/Chattorum.AppHost -- ...</c> takes it.</summary>
    public static readonly string[] Arguments = ["--Chattorum:RedisCluster", "true"];

    /// <summary>The step that runs <c>redis-cli --cluster create</c>.</summary>
    public const string BootstrapResource = "cache-create";
}
