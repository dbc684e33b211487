using System.Diagnostics.CodeAnalysis;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// One source of quotes. <see cref="StockQuotes"/> asks the configured providers in order, each through its
/// own resilience pipeline (<see cref="QuotePipelines"/>).
/// </summary>
public interface IQuoteProvider
{
    /// <summary>The name used in <c>Quotes:Providers</c>, e.g. <c>stooq</c>.</summary>
    string Name { get; }

    /// <summary>
    /// False when this provider cannot be asked for <paramref name="symbol"/> at all (not configured, market not
    /// covered): it is then skipped without a request and without counting against its circuit.
    /// </summary>
    bool CanQuote(string symbol, [NotNullWhen(false)] out string? reason);

    /// <summary>
    /// One request for a normalised symbol (<c>AAPL.US</c>). Failures the provider recognises come back as
    /// <see cref="QuoteStatus.Failed"/>; transport errors (connection refused, reset) are thrown.
    /// </summary>
    Task<QuoteResult> GetQuoteAsync(string symbol, CancellationToken cancellationToken);
}
