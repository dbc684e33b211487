using System.Diagnostics;
using Chattorum.Messaging;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>
/// Two StockBot processes competing for one queue. A replica's guard against answering twice lives in its memory, so
/// it cannot stop the other replica from answering a request again; what keeps the room to one answer is the chat's
/// dedup by request id (the first reply for an id is posted, later ones are acked and dropped).
/// </summary>
[Collection(RabbitMqClusterCollection.Name)]
public class TwoStockBotReplicasTests(RabbitMqClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Fault = "two StockBot replicas: the one holding a request SIGKILLed";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Long enough for the holding bot to be killed while it waits on the provider.</summary>
    private static readonly TimeSpan SlowProvider = TimeSpan.FromSeconds(60);

    private static readonly string BotQueue = CommandTopology.BotQueue(StockCommandConsumer.Command);

    private Support.RabbitMqCluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Cluster.HealAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_request_held_by_a_killed_replica_is_answered_once_by_the_other_and_a_repeated_request_or_reply_is_posted_once()
    {
        await using var rig = await ClusterCommandRig.StartAsync(Cluster, "rmqc-replicas", "REP", bots: 0);
        var quotes = rig.Quotes;
        quotes.SetPrice("HOLD.US", 77m);
        var asker = rig.Askers[0];

        // Replica A alone takes the request and waits on a slow provider; then replica B joins as a competing consumer.
        var holder = await rig.StartBotAsync(attemptTimeout: SlowProvider);
        quotes.SlowDelay = SlowProvider;
        quotes.SetBehaviour(QuoteBehaviour.Slow);
        var cid = await asker.SendMessageAsync(rig.CommandRoom, "/stock=HOLD");
        var answer = await asker.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid, Timeout);
        Assert.Equal("queued", Type(answer));
        var requestId = answer.GetProperty("request").GetString()!;
        await quotes.Stooq.WaitForRequestsAsync(1, Timeout);
        var other = await rig.StartBotAsync(attemptTimeout: SlowProvider);
        await Eventually.EqualAsync(2, () => Cluster.ConsumerCountAsync(BotQueue), Timeout);

        var clock = Stopwatch.StartNew();
        quotes.SetBehaviour(QuoteBehaviour.Quote);
        await holder.KillAsync();
        await rig.WaitAnsweredAsync([new AskedCommand(asker.Name, "HOLD", DateTimeOffset.UtcNow, "queued", requestId)], Timeout);
        output.WriteLine(ReliabilityLog.Record(Fault, "the other replica answered the request", clock.Elapsed));
        Assert.Single(ClusterCommandRig.AnswersTo(await rig.AnswersAsync(), "HOLD"));

        // The case a kill between the reply and the ack leaves: the request delivered again, to a replica that never
        // saw it (a new process: its guard is empty). Without a hook in the bot that instant cannot be hit, so the
        // request is handed to the broker again as the chat node publishes it, same request id.
        await other.StopAsync();
        var fresh = await rig.StartBotAsync();
        var asked = quotes.Stooq.Requests;
        var request = new CommandRequest(requestId, rig.CommandRoom, asker.Name, StockCommandConsumer.Command, "HOLD", DateTimeOffset.UtcNow);
        await PublishAsync(TestBrokerUsers.AdminUser, CommandTopology.CommandsExchange, CommandTopology.RoutingKey(StockCommandConsumer.Command), MessageHeaders.ForRequest(request, null), CommandMessages.Serialize(request));
        await quotes.Stooq.WaitForRequestsAsync(asked + 1, Timeout);

        // And a second reply for the id straight from the bot's broker user, with other text.
        var reply = new CommandReply(requestId, rig.CommandRoom, StockCommandConsumer.BotName, "HOLD.US quote is $1.00 per share");
        var replyProperties = new BasicProperties { Persistent = true, ContentType = "application/json", MessageId = requestId, UserId = ClusterCommandRig.BotUser };
        await PublishAsync(ClusterCommandRig.BotUser, string.Empty, CommandTopology.RepliesQueue, replyProperties, CommandMessages.Serialize(reply));

        // Both replies are consumed (the queues drain) and the room still holds one answer, the first.
        await Eventually.EqualAsync(0L, async () => (await Cluster.QueuesAsync()).Where(q => q.Name == BotQueue || q.Name == CommandTopology.RepliesQueue).Sum(q => q.Messages), Timeout);
        var answers = ClusterCommandRig.AnswersTo(await rig.AnswersAsync(), "HOLD").ToList();
        Assert.Single(answers);
        Assert.Equal("HOLD.US quote is $77.00 per share", (string?)answers[0]["t"]);
        Assert.False(fresh.HasExited);
    }

    /// <summary>Publishes as <paramref name="brokerUser"/> through a running node and waits for the broker's confirm.</summary>
    private async Task PublishAsync(string brokerUser, string exchange, string routingKey, BasicProperties properties, byte[] body)
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestBrokerUsers.ConnectionString(brokerUser, Cluster.Nodes.First(n => n.IsRunning).Port)) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        // The broker checks that a message's user-id is the connection's user: the chat trusts a reply only from its bot's user.
        properties.UserId = brokerUser;
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body);
    }
}
