namespace Chattorum.StockBot.Quotes;

public enum QuoteStatus
{
    /// <summary>The provider gave a price.</summary>
    Found,

    /// <summary>The provider answered properly that it has no such symbol.</summary>
    UnknownSymbol,

    /// <summary>No usable answer: the next provider is asked.</summary>
    Failed,

    /// <summary>
    /// HTTP 429: the provider asks us to wait. Not a failure (no retry, not counted by the circuit): the provider is
    /// left alone until the limit clears and the request waits in the bot's delay queue.
    /// </summary>
    RateLimited,
}

/// <summary>What one provider said about one symbol.</summary>
/// <param name="Failure">Why it failed, for logs (never a URL or a key).</param>
/// <param name="IsTransient">A failure worth retrying (5xx, 408); an HTML page or garbage is not.</param>
/// <param name="RetryAfter">With <see cref="QuoteStatus.RateLimited"/>: the provider's <c>Retry-After</c>, null when it sent none (or garbage).</param>
public sealed record QuoteResult(QuoteStatus Status, decimal Price = 0, string? Failure = null, bool IsTransient = false, TimeSpan? RetryAfter = null)
{
    public static readonly QuoteResult Unknown = new(QuoteStatus.UnknownSymbol);

    public static QuoteResult Found(decimal price) => new(QuoteStatus.Found, price);

    public static QuoteResult Fail(string failure, bool transient = false) => new(QuoteStatus.Failed, Failure: failure, IsTransient: transient);

    public static QuoteResult RateLimited(TimeSpan? retryAfter) => new(QuoteStatus.RateLimited, Failure: "HTTP 429", RetryAfter: retryAfter);
}
