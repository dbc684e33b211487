using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Chattorum.ChatApi.Backplane;
using Chattorum.Messaging;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>Commands from chat clients to bots and back, through real RabbitMQ and Redis.</summary>
public class CommandsEndToEndTests(CommandsFixture system) : IClassFixture<CommandsFixture>
{
    private const string Bot = "StockBot";

    private async Task<(ChatTestClient A, ChatTestClient B)> PairAsync(string room)
    {
        var a = await ConnectAsync(system.NodeA, $"{room.Replace('-', '_')}_a");
        var b = await ConnectAsync(system.NodeB, $"{room.Replace('-', '_')}_b");
        await a.JoinAsync(room);
        await b.JoinAsync(room);
        return (a, b);
    }

    private static Func<JsonElement, bool> BotSays(string room) =>
        f => IsMessageIn(f, room) && f.GetProperty("user").GetString() == Bot;

    private static async Task<JsonElement> QueuedAsync(ChatTestClient client, string cid)
    {
        var reply = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
        Assert.True(Type(reply) == "queued", $"expected queued, got {reply}");
        return reply;
    }

    private async Task<List<string>> BotMessagesStoredAsync(string room)
    {
        using var redis = await RedisFixture.ConnectAsync(system.Redis);
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        return [.. entries.Where(e => e["u"] == Bot).Select(e => e["t"].ToString())];
    }

    [Fact]
    public async Task A_stock_command_from_one_node_is_answered_in_its_room_on_every_node()
    {
        system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        system.Quotes.SetPrice("AAPL.US", 93.42m);
        var (a, b) = await PairAsync("stocks");
        await using (a)
        await using (b)
        {
            var cid = await a.SendMessageAsync("stocks", "/stock=aapl");

            // The answer can overtake the sender's queued notice: take both, in whatever order.
            var atA = await a.CollectAsync(f => IsMessageIn(f, "stocks") || (f.TryGetProperty("cid", out var c) && c.GetString() == cid), 2);
            var queued = Assert.Single(atA, f => Type(f) == "queued");
            Assert.Equal("stock", queued.GetProperty("command").GetString());
            foreach (var answer in new[] { Assert.Single(atA, f => Type(f) == "message"), await b.WaitForAsync(f => IsMessageIn(f, "stocks")) })
            {
                Assert.Equal((Bot, "AAPL.US quote is $93.42 per share"), (answer.GetProperty("user").GetString(), answer.GetProperty("text").GetString()));
            }

            // The command itself was not a message: the bot's answer is the only thing stored.
            using var redis = await RedisFixture.ConnectAsync(system.Redis);
            var stored = await redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream("stocks"));
            Assert.Equal([Bot], stored.Select(e => e["u"].ToString()));
        }
    }

    [Fact]
    public async Task When_the_primary_provider_serves_a_page_instead_of_a_quote_the_fallback_answers()
    {
        system.Quotes.Stooq.Behaviour = QuoteBehaviour.Html;
        system.Quotes.AlphaVantage.Behaviour = QuoteBehaviour.Quote;
        system.Quotes.SetPrice("MSFT.US", 412.5m);
        try
        {
            var (a, b) = await PairAsync("fallback");
            await using (a)
            await using (b)
            {
                await a.SendMessageAsync("fallback", "/stock=MSFT");
                var answer = await b.WaitForAsync(BotSays("fallback"));
                Assert.Equal("MSFT.US quote is $412.50 per share", answer.GetProperty("text").GetString());
                Assert.True(system.Quotes.Stooq.Requests > 0);
            }
        }
        finally
        {
            system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        }
    }

    [Theory]
    [InlineData("/stock=ZZZZ", QuoteBehaviour.UnknownSymbol, "ZZZZ.US")]
    [InlineData("/stock=$$$", QuoteBehaviour.Quote, "not a stock symbol")]
    [InlineData("/stock", QuoteBehaviour.Quote, "/stock=AAPL")]
    [InlineData("/stock=IBM", QuoteBehaviour.ServerError, "unavailable")]
    public async Task Bad_symbols_unknown_symbols_and_providers_down_get_their_own_clear_reply(string line, QuoteBehaviour behaviour, string mentioned)
    {
        system.Quotes.SetBehaviour(behaviour);
        var room = $"reply-{Math.Abs(line.GetHashCode(StringComparison.Ordinal)) % 100_000}";
        try
        {
            var (a, b) = await PairAsync(room);
            await using (a)
            await using (b)
            {
                await a.SendMessageAsync(room, line);
                var answer = await b.WaitForAsync(BotSays(room));
                Assert.Contains(mentioned, answer.GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("quote is $", answer.GetProperty("text").GetString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        }
    }

    [Fact]
    public async Task An_unknown_command_is_an_error_for_its_sender_only()
    {
        var (a, b) = await PairAsync("unknown-cmd");
        await using (a)
        await using (b)
        {
            var cid = await a.SendMessageAsync("unknown-cmd", "/nosuchthing=42");
            var error = await a.WaitForAsync(f => Type(f) == "error");
            Assert.Equal(("unknown_command", cid), (error.GetProperty("code").GetString(), error.GetProperty("cid").GetString()));
            Assert.Contains("/nosuchthing", error.GetProperty("message").GetString(), StringComparison.Ordinal);

            // b hears nothing of it: the next thing b gets is a later message.
            await a.SendMessageAsync("unknown-cmd", "after");
            var next = await b.NextAsync();
            Assert.Equal("after", next.GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task A_new_bot_needs_no_change_in_the_chat_server()
    {
        // As the new bot's own broker user, with a bot's rights only: they are enough.
        await using var connection = await system.ConnectToBrokerAsync(BrokerAccess.BotUser("weather"));
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await CommandTopology.DeclareSharedAsync(channel);
        var queue = await CommandTopology.DeclareBotQueueAsync(channel, "weather");
        var requests = Channel.CreateUnbounded<BasicDeliverEventArgs>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            requests.Writer.TryWrite(new BasicDeliverEventArgs(delivery.ConsumerTag, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange, delivery.RoutingKey, delivery.BasicProperties, delivery.Body.ToArray()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        var (a, b) = await PairAsync("weather");
        await using (a)
        await using (b)
        {
            var cid = await a.SendMessageAsync("weather", "/weather=Paris, France");
            var queued = await QueuedAsync(a, cid);
            var delivery = await requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

            Assert.Equal("command.weather", delivery.RoutingKey);
            Assert.True(delivery.BasicProperties.Persistent);
            Assert.True(CommandMessages.TryRead(delivery.Body.Span, out CommandRequest? request));
            Assert.Equal(("weather", "weather", "weather_a", "Paris, France"), (request.Room, request.Command, request.User, request.Argument));
            Assert.Equal(queued.GetProperty("request").GetString(), request.RequestId);
            Assert.Equal("weather", MessageHeaders.GetString(delivery.BasicProperties, MessageHeaders.Room));
            Assert.Equal("weather_a", MessageHeaders.GetString(delivery.BasicProperties, MessageHeaders.User));
            Assert.Equal("Paris, France", MessageHeaders.GetString(delivery.BasicProperties, MessageHeaders.Argument));
            Assert.Equal(request.RequestId, MessageHeaders.GetString(delivery.BasicProperties, MessageHeaders.RequestId));

            var reply = new CommandReply(request.RequestId, request.Room, "WeatherBot", "Paris: 18°C and sunny");
            await channel.BasicPublishAsync(string.Empty, CommandTopology.RepliesQueue, mandatory: true, MessageHeaders.ForReply(reply, BrokerAccess.BotUser("weather"), null), CommandMessages.Serialize(reply));
            foreach (var client in new[] { a, b })
            {
                var answer = await client.WaitForAsync(f => IsMessageIn(f, "weather"));
                Assert.Equal(("WeatherBot", "Paris: 18°C and sunny"), (answer.GetProperty("user").GetString(), answer.GetProperty("text").GetString()));
            }
        }

        await channel.QueueDeleteAsync(queue);
    }

    [Fact]
    public async Task A_request_that_is_not_a_request_is_dead_lettered_and_the_bot_carries_on()
    {
        system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        system.Quotes.SetPrice("NVDA.US", 131.07m);
        await using var connection = await system.ConnectToBrokerAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await CommandTopology.DeclareSharedAsync(channel);
        await channel.QueuePurgeAsync(CommandTopology.DeadLetterQueue);

        await channel.BasicPublishAsync(CommandTopology.CommandsExchange, CommandTopology.RoutingKey("stock"), mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("\u0001\u0002 garbage"));
        await Eventually.EqualAsync(1u, async () => (await channel.QueueDeclarePassiveAsync(CommandTopology.DeadLetterQueue)).MessageCount);
        var dead = await channel.BasicGetAsync(CommandTopology.DeadLetterQueue, autoAck: true);
        Assert.Equal("command.stock", dead!.RoutingKey);

        var (a, b) = await PairAsync("after-garbage");
        await using (a)
        await using (b)
        {
            await a.SendMessageAsync("after-garbage", "/stock=NVDA");
            Assert.Equal("NVDA.US quote is $131.07 per share", (await b.WaitForAsync(BotSays("after-garbage"))).GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task A_request_delivered_twice_is_answered_once()
    {
        system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        system.Quotes.SetPrice("AMZN.US", 201m);
        var (a, b) = await PairAsync("twice");
        await using (a)
        await using (b)
        {
            await using var connection = await system.ConnectToBrokerAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            var request = new CommandRequest("same-request-id", "twice", "twice_a", "stock", "AMZN", DateTimeOffset.UtcNow);
            for (var i = 0; i < 2; i++)
            {
                await channel.BasicPublishAsync(CommandTopology.CommandsExchange, CommandTopology.RoutingKey("stock"), mandatory: true, MessageHeaders.ForRequest(request, null), CommandMessages.Serialize(request));
            }

            Assert.Equal("AMZN.US quote is $201.00 per share", (await b.WaitForAsync(BotSays("twice"))).GetProperty("text").GetString());
            await Eventually.EqualAsync(0u, async () => (await channel.QueueDeclarePassiveAsync(CommandTopology.BotQueue("stock"))).MessageCount + (await channel.QueueDeclarePassiveAsync(CommandTopology.RepliesQueue)).MessageCount);
            await a.SendMessageAsync("twice", "marker");
            Assert.Equal("marker", (await b.WaitForAsync(f => IsMessageIn(f, "twice"))).GetProperty("text").GetString());
            Assert.Single(await BotMessagesStoredAsync("twice"));
        }
    }

    [Fact]
    public async Task While_the_bot_is_stopped_requests_wait_and_chat_goes_on_then_each_is_answered_once()
    {
        system.Quotes.SetBehaviour(QuoteBehaviour.Quote);
        string[] symbols = ["AAPL", "MSFT", "GOOG"];
        decimal[] prices = [93.42m, 412.5m, 170.01m];
        for (var i = 0; i < symbols.Length; i++)
        {
            system.Quotes.SetPrice($"{symbols[i]}.US", prices[i]);
        }

        var (a, b) = await PairAsync("bot-down");
        await using (a)
        await using (b)
        {
            await system.StopBotAsync();
            try
            {
                foreach (var symbol in symbols)
                {
                    await QueuedAsync(a, await a.SendMessageAsync("bot-down", $"/stock={symbol}"));
                }

                await b.SendMessageAsync("bot-down", "chat goes on");
                Assert.Equal("chat goes on", (await a.WaitForAsync(f => IsMessageIn(f, "bot-down"))).GetProperty("text").GetString());
            }
            finally
            {
                await system.StartBotAsync();
            }

            var answers = await b.CollectAsync(BotSays("bot-down"), symbols.Length, TimeSpan.FromSeconds(30));
            Assert.Equal(
                symbols.Select((s, i) => $"{s}.US quote is ${prices[i].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} per share").Order(),
                answers.Select(m => m.GetProperty("text").GetString()!).Order());
            await a.SendMessageAsync("bot-down", "marker");
            await b.WaitForAsync(f => IsMessageIn(f, "bot-down") && f.GetProperty("text").GetString() == "marker");
            Assert.Equal(symbols.Length, (await BotMessagesStoredAsync("bot-down")).Count);
        }
    }

    [Fact]
    public async Task Commands_are_limited_per_user()
    {
        await using var first = await ConnectAsync(system.NodeA, "commander");
        await using var second = await ConnectAsync(system.NodeB, "commander");
        await first.JoinAsync("limits");
        await second.JoinAsync("limits");
        var outcomes = new List<string>();
        for (var i = 0; i < ChatApi.ChatLimits.CommandsPerWindow + 2; i++)
        {
            var client = i % 2 == 0 ? first : second;
            var cid = await client.SendMessageAsync("limits", "/nosuchthing");
            var answer = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
            outcomes.Add(answer.GetProperty("code").GetString()!);
        }

        Assert.Equal(ChatApi.ChatLimits.CommandsPerWindow, outcomes.Count(o => o == "unknown_command"));
        Assert.Equal(2, outcomes.Count(o => o == "rate_limited"));
    }
}
