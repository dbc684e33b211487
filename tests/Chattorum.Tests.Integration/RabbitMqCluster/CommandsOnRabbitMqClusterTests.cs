using System.Diagnostics;
using Chattorum.Messaging;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Support;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>
/// The command path on a 3-node RabbitMQ cluster with quorum queues, and a broker node lost for real under a steady
/// stream of <c>/stock</c> from four users and chat from others. Each fault test ends with
/// <see cref="ClusterCommandRig.FinishAsync"/>: every queued command answered exactly once, chat flowing throughout.
/// </summary>
[Collection(RabbitMqClusterCollection.Name)]
public class CommandsOnRabbitMqClusterTests(RabbitMqClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(90);
    private static readonly string BotQueue = CommandTopology.BotQueue(StockCommandConsumer.Command);

    private Support.RabbitMqCluster Cluster => fixture.Cluster;

    private void Report(string fault, string measure, TimeSpan time) => output.WriteLine(ReliabilityLog.Record(fault, measure, time));

    public async Task InitializeAsync()
    {
        var healing = Stopwatch.StartNew();
        await Cluster.HealAsync();
        output.WriteLine($"cluster started in {fixture.StartedIn.TotalMilliseconds:0} ms (once), healed in {healing.ElapsedMilliseconds} ms");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Commands_are_answered_through_the_cluster_and_every_queue_is_a_quorum_queue_on_all_three_nodes()
    {
        await using var rig = await ClusterCommandRig.StartAsync(Cluster, "rmqc-plain", "PLN");
        await rig.StartTrafficAsync(Recovery);

        var queues = (await Cluster.QueuesAsync()).ToDictionary(q => q.Name);
        foreach (var name in new[] { BotQueue, CommandTopology.RepliesQueue, CommandTopology.DeadLetterQueue })
        {
            Assert.True(queues.TryGetValue(name, out var queue), $"{name} was not declared");
            Assert.Equal("quorum", queue.Type);
            Assert.Equal(Cluster.Nodes.Select(n => n.Name).Order(StringComparer.Ordinal), queue.Members.Order(StringComparer.Ordinal));
            Assert.NotNull(queue.Leader);
        }

        await rig.FinishAsync("RabbitMQ cluster, no fault", Stopwatch.StartNew(), DateTimeOffset.UtcNow, Recovery, output);
    }

    [Fact]
    public async Task Killing_the_node_that_leads_the_bot_queue_loses_no_queued_command()
    {
        const string Fault = "RabbitMQ cluster: bot queue leader SIGKILL";
        await using var rig = await ClusterCommandRig.StartAsync(Cluster, "rmqc-leader", "LDR");
        await rig.StartTrafficAsync(Recovery);
        var leader = await Cluster.QueueLeaderAsync(BotQueue);

        var faultAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await leader.KillAsync();
        var next = await Cluster.WaitForLeaderAsync(BotQueue, Recovery);
        Report(Fault, "a new leader was elected", clock.Elapsed);
        Assert.NotEqual(leader, next);

        await rig.Commands.WaitQueuedAfterAsync(faultAt, Recovery);
        Report(Fault, "every user had a command queued again", clock.Elapsed);
        await rig.FinishAsync(Fault, clock, faultAt, Recovery, output);
        Assert.DoesNotContain(rig.Bots, b => b.HasExited);
    }

    [Fact]
    public async Task Killing_the_node_the_bot_is_connected_to_moves_the_bot_to_another_node_and_loses_no_queued_command()
    {
        const string Fault = "RabbitMQ cluster: the bot's node SIGKILL";
        await using var rig = await ClusterCommandRig.StartAsync(Cluster, "rmqc-botnode", "BND");
        await rig.StartTrafficAsync(Recovery);
        var botNode = await Cluster.WaitForConnectionAsync(ClusterCommandRig.BotConnectionUser, Recovery);

        var faultAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await botNode.KillAsync();
        var moved = await Cluster.WaitForConnectionAsync(ClusterCommandRig.BotConnectionUser, Recovery, notOn: botNode);
        Report(Fault, "the bot was connected to another node", clock.Elapsed);
        Assert.NotEqual(botNode, moved);

        await rig.Commands.WaitQueuedAfterAsync(faultAt, Recovery);
        Report(Fault, "every user had a command queued again", clock.Elapsed);
        await rig.FinishAsync(Fault, clock, faultAt, Recovery, output);
        Assert.DoesNotContain(rig.Bots, b => b.HasExited);
    }

    [Fact]
    public async Task Restarting_the_whole_cluster_pauses_only_commands_and_loses_no_queued_command()
    {
        const string Fault = "RabbitMQ cluster: whole cluster restart";
        await using var rig = await ClusterCommandRig.StartAsync(Cluster, "rmqc-restart", "RST");
        await rig.StartTrafficAsync(Recovery);

        var faultAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Cluster.StopAllAsync();
        Report(Fault, "all three nodes stopped", clock.Elapsed);
        await Cluster.StartAllAsync();
        Report(Fault, "the cluster was formed again", clock.Elapsed);

        await rig.Commands.WaitQueuedAfterAsync(DateTimeOffset.UtcNow, Recovery);
        Report(Fault, "every user had a command queued again", clock.Elapsed);
        await rig.FinishAsync(Fault, clock, faultAt, Recovery, output);
        Assert.DoesNotContain(rig.Bots, b => b.HasExited);
    }
}
