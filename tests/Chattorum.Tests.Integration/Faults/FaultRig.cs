using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Faults;

/// <summary>
/// A deployment under steady traffic, for one fault test: Redis with its append-only file, three chat nodes as
/// processes, 200 resuming readers in four rooms spread over the nodes, and two senders per room on the first
/// two nodes (the third is the one a test may take down). With <c>commands</c>, also RabbitMQ, the fake quote
/// providers and the StockBot as a process.
/// </summary>
public sealed class FaultRig : IAsyncDisposable
{
    public const int NodeCount = 3;
    public const int RoomCount = 4;
    public const int ReadersPerRoom = 50;
    public const int SendersPerRoom = 2;
    public static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(150);

    private FaultRig(string name)
    {
        Name = name;
        Traffic = new SteadyTraffic(Senders, SendInterval);
    }

    /// <summary>Every sender at its steady pace, once started, until <see cref="FinishAsync"/>.</summary>
    public SteadyTraffic Traffic { get; }

    public string Name { get; }

    public RedisServer Redis { get; private set; } = null!;

    public ConnectionMultiplexer RedisConnection { get; private set; } = null!;

    public RabbitMqServer? Broker { get; private set; }

    public FakeQuoteServer? Quotes { get; private set; }

    public ServiceProcess? Bot { get; private set; }

    public List<ChatNodeProcess> Nodes { get; } = [];

    public List<ResumingClient> Readers { get; } = [];

    public List<(ChatTestClient Client, string Room)> Senders { get; } = [];

    public IEnumerable<string> Rooms => Enumerable.Range(0, RoomCount).Select(Room);

    public string Room(int index) => $"{Name}-{index}";

    /// <summary>The readers connected to this node.</summary>
    public List<ResumingClient> ReadersOn(int node) => [.. Readers.Where((_, i) => i % NodeCount == node)];

    public static async Task<FaultRig> StartAsync(string name, bool commands = false)
    {
        var rig = new FaultRig(name);
        try
        {
            await rig.StartServicesAsync(commands);
            await rig.ConnectClientsAsync();
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task StartServicesAsync(bool commands)
    {
        var redis = RedisServer.StartAsync();
        var broker = commands ? RabbitMqServer.StartAsync() : Task.FromResult<RabbitMqServer>(null!);
        var quotes = commands ? FakeQuoteServer.StartAsync() : Task.FromResult<FakeQuoteServer>(null!);
        Redis = await redis;
        Broker = commands ? await broker : null;
        Quotes = commands ? await quotes : null;
        RedisConnection = await RedisFixture.ConnectAsync(Redis);
        (string, string)[] settings = Broker is null ? [] : [("ConnectionStrings__messaging", Broker.ChatConnectionString)];
        Nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(_ => ChatNodeProcess.StartAsync(Redis, settings))));
        if (commands)
        {
            await StartBotAsync();
        }
    }

    /// <summary>Starts the StockBot process; a slow quote answer may take this long before the bot gives up on it.</summary>
    public async Task StartBotAsync(TimeSpan? attemptTimeout = null) =>
        Bot = await StockBotProcess.StartAsync(Broker!, Quotes!, ("Quotes__Resilience__AttemptTimeout", (attemptTimeout ?? TimeSpan.FromSeconds(1)).ToString("c")));

    private async Task ConnectClientsAsync()
    {
        Readers.AddRange(Enumerable.Range(0, RoomCount * ReadersPerRoom).Select(i => new ResumingClient($"f_reader{i:000}", Room(i % RoomCount))));

        // A few at a time: 200 simultaneous upgrades on two cores would measure the test, not the server.
        foreach (var batch in Readers.Select((reader, i) => (reader, i)).Chunk(25))
        {
            await Task.WhenAll(batch.Select(r => r.reader.ConnectAsync(Nodes[r.i % NodeCount])));
        }

        foreach (var (index, room) in Enumerable.Range(0, RoomCount * SendersPerRoom).Select(i => (i, Room(i % RoomCount))))
        {
            var sender = await ConnectAsync(Nodes[index / RoomCount % (NodeCount - 1)], $"f_sender{index}");
            await sender.JoinAsync(room);
            Senders.Add((sender, room));
        }
    }

    /// <summary>The first sender of each room posts this text.</summary>
    public async Task PostInEveryRoomAsync(string text)
    {
        foreach (var room in Rooms)
        {
            await Senders.First(s => s.Room == room).Client.SendMessageAsync(room, text);
        }
    }

    /// <summary>Every given reader has read up to a message with this text.</summary>
    public static Task ReadUntilAsync(IEnumerable<ResumingClient> readers, string text, TimeSpan? timeout = null) =>
        Task.WhenAll(readers.Select(r => r.ReadUntilAsync(text, timeout)));

    /// <summary>
    /// Stops the traffic, lets every reader read to the end, and checks the promise: every acked message is in
    /// its room's stream, and every reader saw its room's stream from its first message on, each id once, in order.
    /// Returns the number of acked messages.
    /// </summary>
    public async Task<int> FinishAsync()
    {
        await Traffic.StopAsync();
        await PostInEveryRoomAsync("the end");
        await ReadUntilAsync(Readers, "the end");

        // The end's own acks come after the traffic's: wait for them so none is left in flight.
        foreach (var room in Rooms)
        {
            await Senders.First(s => s.Room == room).Client.WaitForAsync(f => IsMessageIn(f, room) && f.GetProperty("text").GetString() == "the end");
        }

        // A connection of its own: the rig's may still be reconnecting after a Redis restart.
        await using var redis = await RedisFixture.ConnectAsync(Redis);
        var acked = 0;
        foreach (var room in Rooms)
        {
            var entries = await redis.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
            var stored = entries.Select(e => e.Id.ToString()).ToList();
            var ackedHere = Senders.Where(s => s.Room == room).SelectMany(s => s.Client.DrainAcks()).Select(a => a.GetProperty("id").GetString()!).ToList();
            Assert.NotEmpty(ackedHere);
            Assert.Empty(ackedHere.Except(stored));
            acked += ackedHere.Count;
            foreach (var reader in Readers.Where(r => r.Room == room))
            {
                Assert.False(reader.Truncated, $"{reader.Name} was told history was truncated");
                StreamAssert.SawTheStreamUpTo(entries, reader, "the end");
            }
        }

        return acked;
    }

    public async ValueTask DisposeAsync()
    {
        await Traffic.DisposeAsync();
        await Task.WhenAll(Readers.Select(r => r.DisposeAsync().AsTask()));
        await Task.WhenAll(Senders.Select(s => s.Client.DisposeAsync().AsTask()));
        if (Bot is not null)
        {
            await Bot.DisposeAsync();
        }

        await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
        if (RedisConnection is not null)
        {
            await RedisConnection.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        if (Quotes is not null)
        {
            await Quotes.DisposeAsync();
        }
    }
}
