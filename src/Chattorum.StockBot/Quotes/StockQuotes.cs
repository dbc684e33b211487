using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// Validates the symbol, then asks the configured providers in order, each through its pipeline, all within one
/// deadline: the first quote or "unknown symbol" is the answer; a failure, an open circuit or a rate limit moves on
/// to the next provider. When none answered and at least one of them is rate-limiting us, the answer is "rate limited
/// until T" (the earliest time one clears), which the bot turns into a wait in its delay queue.
/// </summary>
internal sealed class StockQuotes : IStockQuotes
{
    private readonly IReadOnlyList<IQuoteProvider> _providers;
    private readonly QuotePipelines _pipelines;
    private readonly ProviderLimits _limits;
    private readonly BotMetrics _metrics;
    private readonly QuoteRateLimitOptions _rateLimit;
    private readonly ILogger<StockQuotes> _logger;

    public StockQuotes(
        IEnumerable<IQuoteProvider> providers, QuotePipelines pipelines, ProviderLimits limits, BotMetrics metrics, IOptions<QuotesOptions> options, ILogger<StockQuotes> logger)
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
        _limits = limits;
        _metrics = metrics;
        _rateLimit = options.Value.RateLimit;
        _logger = logger;
    }

    public async Task<StockAnswer> AskAsync(string? argument, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(argument))
        {
            return StockAnswer.Final(QuoteReplies.Usage);
        }

        if (!StockSymbol.TryNormalize(argument, out var symbol))
        {
            QuotesLog.BadSymbol(_logger, argument.Length);
            return StockAnswer.Final(QuoteReplies.BadSymbol);
        }

        var tally = new Tally();
        try
        {
            return await _pipelines.Deadline.ExecuteAsync(
                static (state, token) => new ValueTask<StockAnswer>(state.self.AskProvidersAsync(state.symbol, state.tally, token)),
                (self: this, symbol, tally),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException)
        {
            // The deadline cut the chain: what was learnt so far decides (a provider that rate-limited us still means "wait").
            _metrics.ProviderFailed("all", "deadline");
            return tally.LimitedUntil is { } until ? StockAnswer.RateLimited(until) : StockAnswer.Final(QuoteReplies.Unavailable);
        }
    }

    private async Task<StockAnswer> AskProvidersAsync(string symbol, Tally tally, CancellationToken cancellationToken)
    {
        foreach (var provider in _providers)
        {
            if (!provider.CanQuote(symbol, out var reason))
            {
                QuotesLog.ProviderSkipped(_logger, provider.Name, symbol, reason);
                continue;
            }

            tally.Eligible++;
            if (_limits.IsLimited(provider.Name, out var limitedUntil))
            {
                QuotesLog.RateLimitedSkipped(_logger, provider.Name, symbol, limitedUntil);
                tally.Limited(limitedUntil);
                continue;
            }

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
                tally.Open++;
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
                _metrics.ProviderFailed(provider.Name, exception is TimeoutRejectedException ? "timeout" : "connection");
                continue;
            }

            switch (result.Status)
            {
                case QuoteStatus.Found:
                    QuotesLog.Quoted(_logger, provider.Name, symbol, result.Price);
                    return StockAnswer.Final(QuoteReplies.Quote(symbol, result.Price));
                case QuoteStatus.UnknownSymbol:
                    QuotesLog.UnknownSymbol(_logger, provider.Name, symbol);
                    return StockAnswer.Final(QuoteReplies.UnknownSymbol(symbol));
                case QuoteStatus.RateLimited:
                    var until = _limits.Limit(provider.Name, result.RetryAfter ?? _rateLimit.DefaultRetryAfter);
                    QuotesLog.RateLimited(_logger, provider.Name, symbol, until);
                    _metrics.ProviderFailed(provider.Name, "rate_limited");
                    tally.Limited(until);
                    break;
                default:
                    QuotesLog.ProviderFailed(_logger, provider.Name, symbol, result.Failure ?? "failed");
                    _metrics.ProviderFailed(provider.Name, result.IsTransient ? "transient_error" : "bad_response");
                    break;
            }
        }

        if (tally.LimitedUntil is { } limited)
        {
            return StockAnswer.RateLimited(limited);
        }

        QuotesLog.NoQuote(_logger, symbol, tally.Open, tally.Eligible);
        return StockAnswer.Final(tally.Eligible > 0 && tally.Open == tally.Eligible ? QuoteReplies.TemporarilyUnavailable : QuoteReplies.Unavailable);
    }

    /// <summary>What the providers said so far; read after the deadline cut the chain short.</summary>
    private sealed class Tally
    {
        public int Eligible { get; set; }

        public int Open { get; set; }

        /// <summary>The earliest time a provider that rate-limited us clears.</summary>
        public DateTimeOffset? LimitedUntil { get; private set; }

        public void Limited(DateTimeOffset until) => LimitedUntil = LimitedUntil is { } known && known < until ? known : until;
    }
}
