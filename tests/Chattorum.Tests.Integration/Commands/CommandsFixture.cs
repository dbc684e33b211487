using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>Redis, RabbitMQ, the fake quote providers, two chat nodes and the StockBot, all real.</summary>
public sealed class CommandsFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly string[] _botSettings;

    public CommandsFixture()
        : this([])
    {
    }

    /// <summary>For a test of its own: the bot started with these settings.</summary>
    internal CommandsFixture(params string[] botSettings) => _botSettings = botSettings;

    public RedisServer Redis { get; private set; } = null!;

    public RabbitMqServer Broker { get; private set; } = null!;

    public FakeQuoteServer Quotes { get; private set; } = null!;

    public ChatServer NodeA { get; private set; } = null!;

    public ChatServer NodeB { get; private set; } = null!;

    public StockBotHost? Bot { get; private set; }

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var broker = RabbitMqServer.StartAsync();
        var quotes = FakeQuoteServer.StartAsync();
        Redis = await redis;
        Broker = await broker;
        Quotes = await quotes;
        NodeA = await ChatServer.StartAsync(Redis, "--ConnectionStrings:messaging", Broker.ConnectionString);
        NodeB = await ChatServer.StartAsync(Redis, "--ConnectionStrings:messaging", Broker.ConnectionString);
        await StartBotAsync(_botSettings);
    }

    public async Task StartBotAsync(params string[] settings) => Bot = await StockBotHost.StartAsync(Broker, Quotes, settings);

    public async Task StopBotAsync()
    {
        if (Bot is not null)
        {
            await Bot.DisposeAsync();
            Bot = null;
        }
    }

    public async Task<IConnection> ConnectToBrokerAsync() =>
        await new ConnectionFactory { Uri = new Uri(Broker.ConnectionString) }.CreateConnectionAsync();

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    public async Task DisposeAsync()
    {
        await StopBotAsync();
        // Null-safe: a start that failed half-way must report its own error, not one from here.
        foreach (var part in new IAsyncDisposable?[] { NodeA, NodeB, Quotes, Broker, Redis })
        {
            if (part is not null)
            {
                await part.DisposeAsync();
            }
        }
    }
}
