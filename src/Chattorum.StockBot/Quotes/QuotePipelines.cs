using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// One Polly pipeline per provider, kept for the life of the service so each circuit remembers its provider:
/// retry (transient failures only, exponential backoff with jitter) around a circuit breaker (every failure
/// counts, an unknown symbol does not) around a per-attempt timeout. Time comes from the injected
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class QuotePipelines
{
    private readonly Dictionary<string, (ResiliencePipeline<QuoteResult> Pipeline, CircuitBreakerStateProvider Circuit)> _byProvider =
        new(StringComparer.OrdinalIgnoreCase);

    public QuotePipelines(IEnumerable<IQuoteProvider> providers, IOptions<QuotesOptions> options, TimeProvider timeProvider, ILogger<QuotePipelines> logger)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var provider in providers)
        {
            var circuit = new CircuitBreakerStateProvider();
            _byProvider[provider.Name] = (Build(provider.Name, options.Value.Resilience, timeProvider, logger, circuit), circuit);
        }
    }

    /// <summary>The circuit of a provider: <see cref="CircuitState.Open"/> while it is skipped.</summary>
    /// <remarks>An open circuit turns half-open only when a request comes after its break duration.</remarks>
    public CircuitState GetCircuitState(string provider) => _byProvider[provider].Circuit.CircuitState;

    internal ResiliencePipeline<QuoteResult> For(string provider) => _byProvider[provider].Pipeline;

    internal static ResiliencePipeline<QuoteResult> Build(
        string provider, QuoteResilienceOptions options, TimeProvider timeProvider, ILogger logger, CircuitBreakerStateProvider circuit)
    {
        var builder = new ResiliencePipelineBuilder<QuoteResult> { Name = $"quotes-{provider}", TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<QuoteResult>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                OnRetry = args =>
                {
                    QuotesLog.Retrying(logger, provider, args.AttemptNumber + 1, args.RetryDelay, Describe(args.Outcome));
                    return default;
                },
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<QuoteResult>
            {
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = circuit,
                OnOpened = args =>
                {
                    QuotesLog.CircuitOpened(logger, provider, args.BreakDuration, Describe(args.Outcome));
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    QuotesLog.CircuitHalfOpened(logger, provider);
                    return default;
                },
                OnClosed = _ =>
                {
                    QuotesLog.CircuitClosed(logger, provider);
                    return default;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                Timeout = options.AttemptTimeout,
                OnTimeout = args =>
                {
                    QuotesLog.AttemptTimedOut(logger, provider, args.Timeout);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Worth another attempt: a timed-out attempt, a connection error, or a transient status.</summary>
    internal static bool IsTransient(Outcome<QuoteResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { Status: QuoteStatus.Failed, IsTransient: true },
        TimeoutRejectedException or HttpRequestException or IOException => true,
        _ => false,
    };

    /// <summary>Counts against the circuit: any failure, but not a caller's cancellation nor an unknown symbol.</summary>
    internal static bool IsFailure(Outcome<QuoteResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { Status: QuoteStatus.Failed },
        OperationCanceledException => false,
        _ => true,
    };

    private static string Describe(Outcome<QuoteResult> outcome) =>
        outcome.Exception is { } exception ? QuotesLog.Describe(exception) : outcome.Result?.Failure ?? "no result";
}
