using System.Diagnostics;
using System.Globalization;
using Chattorum.ChatApi.Backplane;
using Chattorum.Messaging;
using Chattorum.StockBot;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>
/// The command path on the RabbitMQ cluster, for one test: a Redis, the fake quote providers, two chat node processes
/// and StockBot processes, every one given the list of all three broker nodes; four users asking <c>/stock</c> in one
/// room (two on each chat node) and ordinary chat in another.
/// </summary>
public sealed class ClusterCommandRig : IAsyncDisposable
{
    public const int ChatNodeCount = 2;
    public const int AskerCount = 4;

    /// <summary>Chat does not go through RabbitMQ: no broker fault may hold it up longer than a busy machine's hiccup.</summary>
    public static readonly TimeSpan MaxChatGap = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly Support.RabbitMqCluster _cluster;
    private readonly string _tag;
    private readonly List<ChatTestClient> _askers = [];

    private ClusterCommandRig(Support.RabbitMqCluster cluster, string name, string tag)
    {
        _tag = tag;
        _cluster = cluster;
        CommandRoom = $"{name}-cmd";
        ChatRoom = $"{name}-chat";
    }

    public string CommandRoom { get; }

    public string ChatRoom { get; }

    public RedisServer Redis { get; private set; } = null!;

    public ConnectionMultiplexer RedisConnection { get; private set; } = null!;

    public FakeQuoteServer Quotes { get; private set; } = null!;

    public List<ChatNodeProcess> Nodes { get; } = [];

    public List<ServiceProcess> Bots { get; } = [];

    public IReadOnlyList<ChatTestClient> Askers => _askers;

    public CommandStream Commands { get; private set; } = null!;

    public ChatFlow? Chat { get; private set; }

    /// <summary>The StockBot's own broker user (the replies it publishes carry it).</summary>
    public static string BotUser => BrokerAccess.BotUser(StockCommandConsumer.Command);

    /// <summary>
    /// The user the StockBot processes connect as, and by which the tests find the bot's connection (the chat nodes
    /// connect as <see cref="BrokerAccess.ChatUser"/>): its own, whose name the chat checks its replies' user-id against.
    /// </summary>
    public static string BotConnectionUser => BotUser;

    /// <summary>Starts the services (and <paramref name="bots"/> StockBot processes); <paramref name="tag"/> (letters, up to 5) starts every symbol asked and every user name.</summary>
    public static async Task<ClusterCommandRig> StartAsync(Support.RabbitMqCluster cluster, string name, string tag, int bots = 1)
    {
        var rig = new ClusterCommandRig(cluster, name, tag);
        try
        {
            var redis = RedisServer.StartAsync();
            var quotes = FakeQuoteServer.StartAsync();
            rig.Redis = await redis;
            rig.Quotes = await quotes;
            rig.RedisConnection = await RedisFixture.ConnectAsync(rig.Redis);
            rig.Nodes.AddRange(await Task.WhenAll(Enumerable.Range(0, ChatNodeCount).Select(_ =>
                ChatNodeProcess.StartAsync(rig.Redis, ("ConnectionStrings__messaging", cluster.ConnectionString(BrokerAccess.ChatUser))))));
            for (var i = 0; i < bots; i++)
            {
                await rig.StartBotAsync();
            }

            for (var i = 0; i < AskerCount; i++)
            {
                var asker = await ConnectAsync(rig.Nodes[i % ChatNodeCount], $"{tag}_asker{i}");
                await asker.JoinAsync(rig.CommandRoom);
                rig._askers.Add(asker);
            }

            rig.Commands = new CommandStream(rig._askers, rig.CommandRoom, tag, rig.Quotes);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A StockBot process on the cluster; a slow quote answer may take <paramref name="attemptTimeout"/> before it gives
    /// up (the whole answer's deadline is stretched to match: the bot's default of 4 s would answer first).
    /// </summary>
    public async Task<ServiceProcess> StartBotAsync(TimeSpan? attemptTimeout = null)
    {
        var attempt = (attemptTimeout ?? TimeSpan.FromSeconds(1)).ToString("c", CultureInfo.InvariantCulture);
        var deadline = attemptTimeout is { } slow ? slow.ToString("c", CultureInfo.InvariantCulture) : null;
        var bot = await StockBotProcess.StartAsync(
            _cluster.ConnectionString(BotConnectionUser),
            Quotes,
            [("Quotes__Resilience__AttemptTimeout", attempt), .. deadline is null ? [] : new[] { ("Quotes__Resilience__Deadline", deadline) }]);
        Bots.Add(bot);
        return bot;
    }

    /// <summary>Starts both streams and waits until every asker had a command answered in the room.</summary>
    public async Task StartTrafficAsync(TimeSpan timeout)
    {
        var start = DateTimeOffset.UtcNow;
        Chat = await ChatFlow.StartAsync(Nodes, ChatRoom, _tag);
        Commands.Start();
        await Commands.WaitQueuedAfterAsync(start, timeout);
        await WaitAnsweredAsync(Commands.Asked.Where(c => c.Queued), timeout);
    }

    /// <summary>The bot's answers in the command room, as stored (the stream's ids carry the time they were stored).</summary>
    public async Task<StreamEntry[]> AnswersAsync() =>
        [.. (await RedisConnection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(CommandRoom))).Where(e => e["u"] == StockCommandConsumer.BotName)];

    /// <summary>The answers that name <paramref name="symbol"/>: its quote, <c>SYMBOL.US quote is $P per share</c>.</summary>
    public static IEnumerable<StreamEntry> AnswersTo(IEnumerable<StreamEntry> answers, string symbol) =>
        answers.Where(e => ((string?)e["t"])?.StartsWith($"{symbol}.US ", StringComparison.Ordinal) == true);

    /// <summary>Polls the room's stream until every one of <paramref name="commands"/> has an answer.</summary>
    public async Task WaitAnsweredAsync(IEnumerable<AskedCommand> commands, TimeSpan timeout)
    {
        var waiting = commands.ToList();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answers = await AnswersAsync();
            var unanswered = waiting.Where(c => !AnswersTo(answers, c.Symbol).Any()).ToList();
            if (unanswered.Count == 0)
            {
                return;
            }

            Assert.True(clock.Elapsed < timeout, $"{unanswered.Count} of {waiting.Count} queued commands unanswered after {timeout.TotalSeconds:0} s: {string.Join(", ", unanswered.Select(c => c.Symbol))}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// Ends a fault test: stops the commands, waits until every queued one is answered, and checks the promise: each
    /// queued command answered exactly once, none answered twice, chat never stopped for longer than
    /// <see cref="MaxChatGap"/>. Records the times since the fault.
    /// </summary>
    public async Task FinishAsync(string fault, Stopwatch sinceFault, DateTimeOffset faultAt, TimeSpan timeout, ITestOutputHelper output)
    {
        await Commands.StopAsync();
        var asked = Commands.Asked;
        var queued = asked.Where(c => c.Queued).ToList();
        await WaitAnsweredAsync(queued, timeout);
        output.WriteLine(ReliabilityLog.Record(fault, "every queued command was answered", sinceFault.Elapsed));
        output.WriteLine(ReliabilityLog.Record(fault, "longest pause between two queued commands", Commands.LongestPauseAfter(faultAt)));

        Assert.DoesNotContain(asked, c => c.Outcome == CommandStream.Unanswered);
        var answers = await AnswersAsync();
        foreach (var command in asked)
        {
            var count = AnswersTo(answers, command.Symbol).Count();
            Assert.True(command.Queued ? count == 1 : count <= 1, $"{command.Symbol} ({command.Outcome}) answered {count} times");
        }

        var latencies = queued.Select(c => TimeSpan.FromMilliseconds(StoredAt(AnswersTo(answers, c.Symbol).Single()) - c.SentAt.ToUnixTimeMilliseconds())).ToList();
        output.WriteLine(ReliabilityLog.Record(fault, "longest wait of a queued command for its answer", latencies.Max()));
        output.WriteLine($"{asked.Count} commands asked: {queued.Count} queued, refused: {string.Join(", ", asked.Where(c => !c.Queued).GroupBy(c => c.Outcome).Select(g => $"{g.Count()} {g.Key}"))}");

        var gap = await Chat!.StopAsync();
        output.WriteLine(ReliabilityLog.Record(fault, "longest gap between chat messages", gap));
        Assert.True(Chat.Received > 0, "no chat message arrived");
        Assert.True(gap < MaxChatGap, $"chat stopped for {gap.TotalMilliseconds:0} ms");
        Assert.DoesNotContain(Nodes, n => n.HasExited);
    }

    /// <summary>When Redis stored a stream entry: the milliseconds part of its id.</summary>
    private static long StoredAt(StreamEntry entry) => long.Parse(entry.Id.ToString().Split('-')[0], CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        // Every process goes, whatever a client's goodbye throws: a leaked bot would consume the next test's queue.
        try
        {
            if (Commands is not null)
            {
                await Commands.DisposeAsync();
            }

            if (Chat is not null)
            {
                await Chat.DisposeAsync();
            }

            foreach (var asker in _askers)
            {
                await asker.DisposeAsync();
            }
        }
        finally
        {
            await Task.WhenAll(Bots.Select(b => b.DisposeAsync().AsTask()));
            await Task.WhenAll(Nodes.Select(n => n.DisposeAsync().AsTask()));
            if (RedisConnection is not null)
            {
                await RedisConnection.DisposeAsync();
            }

            if (Redis is not null)
            {
                await Redis.DisposeAsync();
            }

            if (Quotes is not null)
            {
                await Quotes.DisposeAsync();
            }
        }
    }
}
