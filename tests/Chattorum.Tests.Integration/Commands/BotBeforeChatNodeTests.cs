using Chattorum.Messaging;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>
/// "Whoever publishes makes sure the destination exists": a bot may not declare the replies queue, so on a fresh broker
/// where no chat node has run yet its reply comes back (mandatory) and the request is given back, not acked unanswered.
/// </summary>
public sealed class BotBeforeChatNodeTests
{
    private const string Room = "early";
    private const ushort NotFound = 404;
    private static readonly TimeSpan RetryWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_request_answered_before_any_chat_node_exists_is_posted_once_a_chat_node_appears()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var broker = await RabbitMqServer.StartAsync();
        await using var quotes = await FakeQuoteServer.StartAsync();
        quotes.SetBehaviour(QuoteBehaviour.Quote);
        quotes.SetPrice("AAPL.US", 93.42m);
        await using var bot = await StockBotHost.StartAsync(broker, quotes);
        using var handled = new MetricCollector<long>(bot.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), BotTelemetry.Name, "stockbot.requests");

        await using (var admin = await new ConnectionFactory { Uri = new Uri(broker.ConnectionString) }.CreateConnectionAsync())
        {
            await using var channel = await admin.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var request = new CommandRequest("early-1", Room, "early_a", StockCommandConsumer.Command, "AAPL", DateTimeOffset.UtcNow);
            await channel.BasicPublishAsync(CommandTopology.CommandsExchange, CommandTopology.RoutingKey(request.Command), mandatory: true, MessageHeaders.ForRequest(request, null), CommandMessages.Serialize(request));

            // The bot answered at least twice, each reply returned for want of the replies queue, which nobody declared.
            await Eventually.EqualAsync(true, () => Task.FromResult(Retries(handled) >= 2), RetryWithin);
            Assert.Equal(0, handled.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "answered")));
            await using var probe = await admin.CreateChannelAsync();
            var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => probe.QueueDeclarePassiveAsync(CommandTopology.RepliesQueue));
            Assert.Equal(NotFound, missing.ShutdownReason!.ReplyCode);
        }

        await using var node = await ChatServer.StartAsync(redis, "--ConnectionStrings:messaging", broker.ChatConnectionString);
        await using var client = await ConnectAsync(node, "early_a");
        await client.JoinAsync(Room);

        var answer = await client.WaitForAsync(f => IsMessageIn(f, Room), RetryWithin);
        Assert.Equal(("StockBot", "AAPL.US quote is $93.42 per share"), (answer.GetProperty("user").GetString(), answer.GetProperty("text").GetString()));
    }

    private static int Retries(MetricCollector<long> handled) =>
        handled.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "retried"));
}
