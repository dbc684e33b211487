namespace Chattorum.StockBot.Quotes;

/// <summary>Answers the argument of a <c>/stock=SYMBOL</c> chat command with the text the bot posts.</summary>
public interface IStockQuotes
{
    /// <summary>
    /// The answer for <paramref name="argument"/>: a quote, one of the texts of <see cref="QuoteReplies"/>, or "rate
    /// limited until T" (<see cref="StockAnswer.RateLimitedUntil"/>), which the bot answers later. Never throws for bad
    /// input or provider trouble; only an <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<StockAnswer> AskAsync(string? argument, CancellationToken cancellationToken);

    /// <summary>The text of <see cref="AskAsync"/> (for a rate limit, <see cref="QuoteReplies.RateLimited"/>).</summary>
    async Task<string> AnswerAsync(string? argument, CancellationToken cancellationToken) =>
        (await AskAsync(argument, cancellationToken).ConfigureAwait(false)).Text;
}

/// <summary>What the bot can say now about one <c>/stock</c> argument.</summary>
/// <param name="Text">The reply, or a fallback text when rate-limited.</param>
/// <param name="RateLimitedUntil">Set when no provider answered because those that could are rate-limiting us: the earliest time one clears.</param>
public sealed record StockAnswer(string Text, DateTimeOffset? RateLimitedUntil = null)
{
    public static StockAnswer Final(string text) => new(text);

    public static StockAnswer RateLimited(DateTimeOffset until) => new(QuoteReplies.RateLimited, until);
}
