using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The bot's Polly pipelines, registered with Polly.Extensions (<c>AddResiliencePipelines</c>) so that Polly's own
/// telemetry (meter <c>Polly</c>: retries, timeouts, circuit state changes, attempt and pipeline durations, tagged
/// with the pipeline name) reaches the dashboard. Per provider, kept for the life of the service so each circuit
/// remembers its provider: retry (transient failures only, exponential backoff with jitter) around a circuit breaker
/// (every failure counts; an unknown symbol and a rate limit do not) around a per-attempt timeout. Over all providers:
/// one deadline (<see cref="QuoteResilienceOptions.Deadline"/>). Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class QuotePipelines(ResiliencePipelineProvider<string> registry, QuoteCircuits circuits)
{
    /// <summary>The pipeline that bounds a whole answer (all providers, all attempts).</summary>
    public const string DeadlineKey = "quotes-deadline";

    /// <summary>The registry key (and pipeline name in Polly's telemetry) of a provider's pipeline: <c>quotes-stooq</c>.</summary>
    public static string Key(string provider) => $"quotes-{provider}";

    /// <summary>The circuit of a provider: <see cref="CircuitState.Open"/> while it is skipped.</summary>
    /// <remarks>An open circuit turns half-open only when a request comes after its break duration.</remarks>
    public CircuitState GetCircuitState(string provider) => circuits.For(provider).CircuitState;

    internal ResiliencePipeline<QuoteResult> For(string provider) => registry.GetPipeline<QuoteResult>(Key(provider));

    internal ResiliencePipeline Deadline => registry.GetPipeline(DeadlineKey);

    /// <summary>
    /// Registers one pipeline per registered <see cref="IQuoteProvider"/> and the deadline, read from
    /// <see cref="QuotesOptions"/> when first used.
    /// </summary>
    public static IServiceCollection AddQuotePipelines(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<QuoteCircuits>();
        services.TryAddSingleton<QuotePipelines>();
        services.AddResiliencePipelines<string>(context =>
        {
            var provided = context.ServiceProvider;
            foreach (var name in provided.GetServices<IQuoteProvider>().Select(p => p.Name))
            {
                context.AddResiliencePipeline<QuoteResult>(Key(name), (builder, pipeline) =>
                {
                    var services = pipeline.ServiceProvider;
                    builder.TimeProvider = services.GetRequiredService<TimeProvider>();
                    Configure(
                        builder,
                        name,
                        services.GetRequiredService<IOptions<QuotesOptions>>().Value.Resilience,
                        services.GetRequiredService<ILogger<QuotePipelines>>(),
                        services.GetRequiredService<QuoteCircuits>().For(name));
                });
            }

            context.AddResiliencePipeline(DeadlineKey, (builder, pipeline) =>
            {
                var services = pipeline.ServiceProvider;
                builder.TimeProvider = services.GetRequiredService<TimeProvider>();
                var logger = services.GetRequiredService<ILogger<QuotePipelines>>();
                builder.AddTimeout(new TimeoutStrategyOptions
                {
                    Timeout = services.GetRequiredService<IOptions<QuotesOptions>>().Value.Resilience.Deadline,
                    OnTimeout = args =>
                    {
                        QuotesLog.DeadlineExceeded(logger, args.Timeout);
                        return default;
                    },
                });
            });
        });
        return services;
    }

    /// <summary>A provider's pipeline outside any registry (without Polly's telemetry), for tests of the strategies alone.</summary>
    internal static ResiliencePipeline<QuoteResult> Build(
        string provider, QuoteResilienceOptions options, TimeProvider timeProvider, ILogger logger, CircuitBreakerStateProvider circuit)
    {
        var builder = new ResiliencePipelineBuilder<QuoteResult> { Name = Key(provider), TimeProvider = timeProvider };
        Configure(builder, provider, options, logger, circuit);
        return builder.Build();
    }

    private static void Configure(
        ResiliencePipelineBuilder<QuoteResult> builder, string provider, QuoteResilienceOptions options, ILogger logger, CircuitBreakerStateProvider circuit)
    {
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

        builder
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
            });
    }

    /// <summary>Worth another attempt: a timed-out attempt, a connection error, or a transient status.</summary>
    internal static bool IsTransient(Outcome<QuoteResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { Status: QuoteStatus.Failed, IsTransient: true },
        TimeoutRejectedException or HttpRequestException or IOException => true,
        _ => false,
    };

    /// <summary>
    /// Counts against the circuit: any failure, but not a caller's cancellation, an unknown symbol, nor a rate limit
    /// (a 429 is the provider working as agreed; it is left alone until the limit clears, see <see cref="ProviderLimits"/>).
    /// </summary>
    internal static bool IsFailure(Outcome<QuoteResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { Status: QuoteStatus.Failed },
        OperationCanceledException => false,
        _ => true,
    };

    private static string Describe(Outcome<QuoteResult> outcome) =>
        outcome.Exception is { } exception ? QuotesLog.Describe(exception) : outcome.Result?.Failure ?? "no result";
}
