using System.Diagnostics;
using Chattorum.Tests.Integration.Support;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>The fixture itself: three nodes in one cluster, a quorum queue on all three, and a leader lost for real.</summary>
[Collection(RabbitMqClusterCollection.Name)]
public class RabbitMqClusterServerTests(RabbitMqClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Messages = 10;
    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(30);

    private Support.RabbitMqCluster Cluster => fixture.Cluster;

    public async Task InitializeAsync()
    {
        output.WriteLine(ReliabilityLog.Record("RabbitMQ cluster", "three nodes started and joined (once per collection)", fixture.StartedIn));
        var healing = Stopwatch.StartNew();
        await Cluster.HealAsync();
        output.WriteLine($"healed in {healing.ElapsedMilliseconds} ms");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Three_nodes_form_one_cluster_and_a_quorum_queue_keeps_confirmed_messages_when_its_leader_is_killed()
    {
        var expected = Cluster.Nodes.Select(n => n.Name).Order(StringComparer.Ordinal);
        foreach (var node in Cluster.Nodes)
        {
            Assert.Equal(expected, (await Cluster.RunningNodesAsync(node)).Order(StringComparer.Ordinal));
        }

        var queue = $"probe-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { Uri = new Uri(TestBrokerUsers.ConnectionString(TestBrokerUsers.AdminUser, Cluster.Nodes[0].Port)) };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            for (var i = 0; i < Messages; i++)
            {
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { Persistent = true }, BitConverter.GetBytes(i));
            }
        }

        var info = (await Cluster.QueuesAsync()).Single(q => q.Name == queue);
        Assert.Equal(("quorum", Support.RabbitMqCluster.NodeCount), (info.Type, info.Members.Count));
        var leader = await Cluster.QueueLeaderAsync(queue);

        var clock = Stopwatch.StartNew();
        await leader.KillAsync();
        var next = await Cluster.WaitForLeaderAsync(queue, Failover);
        output.WriteLine(ReliabilityLog.Record("RabbitMQ node SIGKILL (bare queue)", "a new leader was elected", clock.Elapsed));
        Assert.NotEqual(leader.Name, next.Name);

        var survivor = Cluster.Nodes.First(n => n.IsRunning);
        var consumerFactory = new ConnectionFactory { Uri = new Uri(TestBrokerUsers.ConnectionString(TestBrokerUsers.AdminUser, survivor.Port)) };
        await using (var connection = await consumerFactory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var got = 0;
            while (await channel.BasicGetAsync(queue, autoAck: true) is not null)
            {
                got++;
            }

            Assert.Equal(Messages, got);
            await channel.QueueDeleteAsync(queue);
        }

        clock.Restart();
        await leader.StartAsync();
        await Cluster.WaitFormedAsync();
        output.WriteLine(ReliabilityLog.Record("RabbitMQ node SIGKILL (bare queue)", "the killed node was back in the cluster", clock.Elapsed));
    }

    [Fact]
    public async Task The_whole_cluster_stopped_and_started_again_forms_again()
    {
        var clock = Stopwatch.StartNew();
        await Cluster.RestartAllAsync();
        output.WriteLine(ReliabilityLog.Record("RabbitMQ cluster restart (bare)", "all three stopped and formed again", clock.Elapsed));
        Assert.All(Cluster.Nodes, n => Assert.True(n.IsRunning));
    }
}
