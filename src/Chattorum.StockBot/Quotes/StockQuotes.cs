using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// Validates the symbol, then asks the configured providers in order, each through its pipeline: the first quote
/// or "unknown symbol" is the answer; a failure or an open circuit moves on to the next provider.
/// </summary>
internal sealed class StockQuotes : IStockQuotes
{
    private readonly IReadOnlyList<IQuoteProvider> _providers;
    private readonly QuotePipelines _pipelines;
    private readonly BotMetrics _metrics;
    private readonly ILogger<StockQuotes> _logger;

    public StockQuotes(IEnumerable<IQuoteProvider> providers, QuotePipelines pipelines, BotMetrics metrics, IOptions<QuotesOptions> options, ILogger<StockQuotes> logger)
    {
        var byName = providers.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var configured = options.Value.EffectiveProviders;
        var unknown = configured.Where(name => !byName.ContainsKey(name)).ToList();
        if (unknown.Count > 0)
        {
            throw new OptionsValidationException(QuotesOptions.SectionName, typeof(QuotesOptions),
                [$"Quotes:Providers names unknown providers: {string.Join(", ", unknown)} (known: {string.Join(", ", byName.Keys)})"]);
        }

        _providers = configured.Select(name => byName[name]).ToArray();
        _pipelines = pipelines;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task<string> AnswerAsync(string? argument, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(argument))
        {
            return QuoteReplies.Usage;
        }

        if (!StockSymbol.TryNormalize(argument, out var symbol))
        {
            QuotesLog.BadSymbol(_logger, argument.Length);
            return QuoteReplies.BadSymbol;
        }

        var eligible = 0;
        var open = 0;
        foreach (var provider in _providers)
        {
            if (!provider.CanQuote(symbol, out var reason))
            {
                QuotesLog.ProviderSkipped(_logger, provider.Name, symbol, reason);
                continue;
            }

            eligible++;
            QuoteResult result;
            try
            {
                result = await _pipelines.For(provider.Name).ExecuteAsync(
                    static (state, token) => new ValueTask<QuoteResult>(state.provider.GetQuoteAsync(state.symbol, token)),
                    (provider, symbol),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (BrokenCircuitException)
            {
                open++;
                _metrics.ProviderFailed(provider.Name, "circuit_open");
                QuotesLog.CircuitOpenSkipped(_logger, provider.Name, symbol);
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // Any provider trouble, whatever its type, moves on to the next provider.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                QuotesLog.ProviderFailed(_logger, provider.Name, symbol, QuotesLog.Describe(exception));
                _metrics.ProviderFailed(provider.Name, exception is Polly.Timeout.TimeoutRejectedException ? "timeout" : "connection");
                continue;
            }

            switch (result.Status)
            {
                case QuoteStatus.Found:
                    QuotesLog.Quoted(_logger, provider.Name, symbol, result.Price);
                    return QuoteReplies.Quote(symbol, result.Price);
                case QuoteStatus.UnknownSymbol:
                    QuotesLog.UnknownSymbol(_logger, provider.Name, symbol);
                    return QuoteReplies.UnknownSymbol(symbol);
                default:
                    QuotesLog.ProviderFailed(_logger, provider.Name, symbol, result.Failure ?? "failed");
                    _metrics.ProviderFailed(provider.Name, result.IsTransient ? "transient_error" : "bad_response");
                    break;
            }
        }

        QuotesLog.NoQuote(_logger, symbol, open, eligible);
        return eligible > 0 && open == eligible ? QuoteReplies.TemporarilyUnavailable : QuoteReplies.Unavailable;
    }
}
