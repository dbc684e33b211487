using System.Collections.Concurrent;
using Polly.CircuitBreaker;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The circuit of each provider's pipeline, by provider name. The pipelines are built by Polly's registry when first
/// asked for; the state providers live here so the <c>stockbot.circuit.state</c> gauge can read a circuit before and
/// after its pipeline exists (closed until then).
/// </summary>
public sealed class QuoteCircuits
{
    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _byProvider = new(StringComparer.OrdinalIgnoreCase);

    public CircuitBreakerStateProvider For(string provider) => _byProvider.GetOrAdd(provider, static _ => new CircuitBreakerStateProvider());
}
