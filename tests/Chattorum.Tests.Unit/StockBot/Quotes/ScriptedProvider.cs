using System.Diagnostics.CodeAnalysis;
using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>A provider whose answers a test scripts, one per call; the last step repeats.</summary>
internal sealed class ScriptedProvider(string name, params Func<CancellationToken, Task<QuoteResult>>[] steps) : IQuoteProvider
{
    private int _calls;

    public string Name { get; } = name;

    public int Calls => Volatile.Read(ref _calls);

    public List<CancellationToken> Tokens { get; } = [];

    /// <summary>The reason <see cref="CanQuote"/> gives, or null to quote everything.</summary>
    public string? CannotQuoteReason { get; set; }

    public static Func<CancellationToken, Task<QuoteResult>> Returns(QuoteResult result) => _ => Task.FromResult(result);

    public static Func<CancellationToken, Task<QuoteResult>> Throws(Exception exception) => _ => Task.FromException<QuoteResult>(exception);

    /// <summary>Never answers; ends only when its token is cancelled.</summary>
    public static Func<CancellationToken, Task<QuoteResult>> Hangs() => async token =>
    {
        await Task.Delay(Timeout.Infinite, token);
        throw new InvalidOperationException("unreachable");
    };

    /// <summary>Completes once <see cref="Calls"/> reaches <paramref name="count"/> (polled, with a 10 s deadline).</summary>
    public Task WaitForCallsAsync(int count) => Support.Eventually.EqualAsync(true, () => Task.FromResult(Calls >= count), TimeSpan.FromSeconds(10));

    public bool CanQuote(string symbol, [NotNullWhen(false)] out string? reason)
    {
        reason = CannotQuoteReason;
        return reason is null;
    }

    public Task<QuoteResult> GetQuoteAsync(string symbol, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        lock (Tokens)
        {
            Tokens.Add(cancellationToken);
        }

        return steps[Math.Min(call, steps.Length) - 1](cancellationToken);
    }
}
