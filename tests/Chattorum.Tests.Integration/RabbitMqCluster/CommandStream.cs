using System.Collections.Concurrent;
using System.Diagnostics;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>What became of one <c>/stock=SYMBOL</c>: its symbol is unique, so its answer in the room names it alone.</summary>
public sealed record AskedCommand(string Asker, string Symbol, DateTimeOffset SentAt, string Outcome, string? RequestId)
{
    public bool Queued => Outcome == "queued";
}

/// <summary>
/// Users who each ask <c>/stock=SYMBOL</c> at a steady pace, a new symbol every time (the fake provider is given a
/// price for it first), and keep what each command became: <c>queued</c> (with its request id) or the error code.
/// The pace stays under the chat's command limit (5 every 10 s a user).
/// </summary>
public sealed class CommandStream(IReadOnlyList<ChatTestClient> askers, string room, string tag, FakeQuoteServer quotes) : IAsyncDisposable
{
    public static readonly TimeSpan AskInterval = TimeSpan.FromMilliseconds(2_500);

    /// <summary>A command whose answer (queued or refused) takes longer than this is a failure of the test.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The outcome of a command the chat node never said queued or refused to.</summary>
    public const string Unanswered = "unanswered";

    private readonly ConcurrentQueue<AskedCommand> _asked = new();
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public IReadOnlyList<AskedCommand> Asked => [.. _asked];

    public void Start() => _loops = [.. askers.Select((asker, i) => RunAsync(asker, i))];

    private async Task RunAsync(ChatTestClient asker, int index)
    {
        using var pace = new PeriodicTimer(AskInterval);
        var n = 0;
        try
        {
            do
            {
                // Unique per test, asker and request; a ticker is at most 12 characters.
                var symbol = $"{tag}{index}X{n++}";
                quotes.SetPrice($"{symbol}.US", 100m + n);
                var sentAt = DateTimeOffset.UtcNow;
                var cid = await asker.SendMessageAsync(room, $"/stock={symbol}");
                try
                {
                    var answer = await asker.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid, AnswerTimeout);
                    _asked.Enqueue(Type(answer) == "queued"
                        ? new AskedCommand(asker.Name, symbol, sentAt, "queued", answer.GetProperty("request").GetString())
                        : new AskedCommand(asker.Name, symbol, sentAt, answer.GetProperty("code").GetString()!, null));
                }
                catch (TimeoutException)
                {
                    // Kept as an outcome: the test fails on it with every other command's story, not here.
                    _asked.Enqueue(new AskedCommand(asker.Name, symbol, sentAt, Unanswered, null));
                }
            }
            while (await pace.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    /// <summary>Polls until every asker had a command queued that was sent after <paramref name="since"/>; returns when.</summary>
    public async Task WaitQueuedAfterAsync(DateTimeOffset since, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (askers.Any(a => !_asked.Any(c => c.Asker == a.Name && c.Queued && c.SentAt > since)))
        {
            Assert.True(clock.Elapsed < timeout, $"not every asker had a command queued within {timeout.TotalSeconds:0} s: {string.Join(", ", _asked.Where(c => c.SentAt > since).Select(c => $"{c.Symbol} {c.Outcome}"))}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The longest time between two commands queued (by any asker) from <paramref name="since"/> on: how long commands paused.</summary>
    public TimeSpan LongestPauseAfter(DateTimeOffset since)
    {
        var times = _asked.Where(c => c.Queued).Select(c => c.SentAt).Where(t => t > since).Order().Prepend(since).ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
