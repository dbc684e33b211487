using System.Diagnostics;
using System.Diagnostics.Metrics;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Chattorum.StockBot;

/// <summary>The bot's activity source and meter, both <c>Chattorum.StockBot</c>.</summary>
public static class BotTelemetry
{
    public const string Name = "Chattorum.StockBot";

    public static readonly ActivitySource Source = new(Name);
}

/// <summary>What an operator watches on the bot.</summary>
public sealed class BotMetrics
{
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _providerFailures;

    public BotMetrics(IMeterFactory meterFactory, QuotePipelines pipelines, IOptions<QuotesOptions> options)
    {
        var meter = meterFactory.Create(BotTelemetry.Name);
        _requestDuration = meter.CreateHistogram(
            "stockbot.request.duration",
            "s",
            "Time from taking a request off the queue to its reply being confirmed",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _requests = meter.CreateCounter<long>("stockbot.requests", "{request}", "Requests handled, by outcome (answered, duplicate, dead_lettered, retried, deferred, gave_up)");
        _providerFailures = meter.CreateCounter<long>("stockbot.provider.failures", "{failure}", "Failed quote provider calls, by provider and reason");
        var providers = options.Value.EffectiveProviders;
        meter.CreateObservableGauge(
            "stockbot.circuit.state",
            () => providers.Select(p => new Measurement<int>(State(pipelines.GetCircuitState(p)), new KeyValuePair<string, object?>("provider", p))),
            "{state}",
            "Each provider's circuit: 0 closed, 1 half-open, 2 open, 3 isolated");
    }

    public void Handled(string outcome, TimeSpan duration)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _requestDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void ProviderFailed(string provider, string reason) =>
        _providerFailures.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("reason", reason));

    private static int State(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        CircuitState.Open => 2,
        _ => 3,
    };
}
