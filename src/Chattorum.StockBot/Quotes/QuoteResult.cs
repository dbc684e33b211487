namespace Chattorum.StockBot.Quotes;

public enum QuoteStatus
{
    /// <summary>The provider gave a price.</summary>
    Found,

    /// <summary>The provider answered properly that it has no such symbol.</summary>
    UnknownSymbol,

    /// <summary>No usable answer: the next provider is asked.</summary>
    Failed,
}

/// <summary>What one provider said about one symbol.</summary>
/// <param name="Failure">Why it failed, for logs (never a URL or a key).</param>
/// <param name="IsTransient">A failure worth retrying (5xx, 408, 429); an HTML page or garbage is not.</param>
public sealed record QuoteResult(QuoteStatus Status, decimal Price = 0, string? Failure = null, bool IsTransient = false)
{
    public static readonly QuoteResult Unknown = new(QuoteStatus.UnknownSymbol);

    public static QuoteResult Found(decimal price) => new(QuoteStatus.Found, price);

    public static QuoteResult Fail(string failure, bool transient = false) => new(QuoteStatus.Failed, Failure: failure, IsTransient: transient);
}
