using System.Text.Json;
using Chattorum.Messaging;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>
/// The contract in docs/bots.md, proven from outside .NET: the Node.js example bot (examples/weather-bot), two copies
/// competing for its queue as its own broker user, against real RabbitMQ, Redis and two chat nodes.
/// </summary>
public sealed class WeatherBotExampleTests : IAsyncLifetime
{
    private const string Bot = "WeatherBot";
    private const int BotCopies = 2;
    private const string Cities = "Paris, London, Tokyo, New York, Lisbon";

    private RedisServer _redis = null!;
    private RabbitMqServer _broker = null!;
    private ChatServer[] _nodes = [];
    private WeatherBotExample[] _bots = [];

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var broker = RabbitMqServer.StartAsync();
        _redis = await redis;
        _broker = await broker;
        _nodes = [
            await ChatServer.StartAsync(_redis, "--ConnectionStrings:messaging", _broker.ChatConnectionString),
            await ChatServer.StartAsync(_redis, "--ConnectionStrings:messaging", _broker.ChatConnectionString),
        ];
        _bots = await Task.WhenAll(Enumerable.Range(0, BotCopies).Select(_ => WeatherBotExample.StartAsync(_broker.BotConnectionString("weather"))));
    }

    public static TheoryData<string, string> Answers() => new()
    {
        // argument, the bot's answer
        { "Paris", "Paris: 18°C, partly cloudy (example data, not a forecast)" },
        { "london", "London: 14°C, light rain (example data, not a forecast)" },
        { " New York ", "New York: 16°C, windy (example data, not a forecast)" },
        { "Atlantis", $"No example weather for Atlantis; try {Cities}" },
        { "", $"Usage: /weather=CITY (example data for {Cities})" },
    };

    [Fact]
    public async Task Several_clients_at_once_each_get_exactly_one_answer_from_the_example_bot()
    {
        var cases = Answers().Select(row => ((string)row[0], (string)row[1])).ToArray();
        var clients = await Task.WhenAll(cases.Select((_, i) => ConnectAsync(_nodes[i % _nodes.Length], $"weather_{i}")));
        try
        {
            await Task.WhenAll(clients.Select((client, i) => client.JoinAsync($"weather-{i}")));

            // All at once: each client asks in its own room and sees the bot's one answer there.
            var answers = await Task.WhenAll(cases.Select(async (c, i) =>
            {
                var room = $"weather-{i}";
                var cid = await clients[i].SendMessageAsync(room, c.Item1.Length == 0 ? "/weather" : $"/weather={c.Item1}");
                var frames = await clients[i].CollectAsync(f => IsMessageIn(f, room) || (f.TryGetProperty("cid", out var id) && id.GetString() == cid), 2);
                Assert.Single(frames, f => Type(f) == "queued");
                return Assert.Single(frames, f => Type(f) == "message");
            }));
            foreach (var (answer, (_, expected)) in answers.Zip(cases))
            {
                Assert.Equal((Bot, expected), (answer.GetProperty("user").GetString(), answer.GetProperty("text").GetString()));
            }

            // Nothing left to answer or post, and no second answer came before a marker sent after that.
            await using var admin = await new ConnectionFactory { Uri = new Uri(_broker.ConnectionString) }.CreateConnectionAsync();
            await using var channel = await admin.CreateChannelAsync();
            await Eventually.EqualAsync(0u, async () =>
                (await channel.QueueDeclarePassiveAsync(CommandTopology.BotQueue("weather"))).MessageCount +
                (await channel.QueueDeclarePassiveAsync(CommandTopology.RepliesQueue)).MessageCount +
                (await channel.QueueDeclarePassiveAsync(CommandTopology.DeadLetterQueue)).MessageCount);
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                var room = $"weather-{i}";
                await client.SendMessageAsync(room, "marker");
                JsonElement next = await client.WaitForAsync(f => IsMessageIn(f, room));
                Assert.Equal((client.Name, "marker"), (next.GetProperty("user").GetString(), next.GetProperty("text").GetString()));
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        Assert.All(_bots, bot => Assert.False(bot.HasExited, bot.Output));
    }

    public async Task DisposeAsync()
    {
        foreach (var bot in _bots)
        {
            await bot.DisposeAsync();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _broker.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
