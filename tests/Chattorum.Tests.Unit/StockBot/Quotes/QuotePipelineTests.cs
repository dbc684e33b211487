using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Logging.Testing;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>The per-provider Polly pipeline on fake time: retries, attempt timeout, circuit breaker.</summary>
public class QuotePipelineTests
{
    private static readonly QuoteResult Html = QuoteResult.Fail("HTML instead of CSV");
    private static readonly QuoteResult Http503 = QuoteResult.Fail("HTTP 503", transient: true);
    private static readonly QuoteResult Price = QuoteResult.Found(93.42m);

    private readonly TimerAwareTimeProvider _time = new();
    private readonly FakeLogger _log = new();
    private readonly CircuitBreakerStateProvider _circuit = new();

    private static QuoteResilienceOptions Options(int retries = 2, double retryDelaySeconds = 0) => new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(3),
        MaxRetryAttempts = retries,
        RetryDelay = TimeSpan.FromSeconds(retryDelaySeconds),
        MaxRetryDelay = TimeSpan.FromSeconds(10),
        FailureRatio = 0.5,
        MinimumThroughput = 4,
        SamplingDuration = TimeSpan.FromSeconds(30),
        BreakDuration = TimeSpan.FromSeconds(30),
    };

    private ResiliencePipeline<QuoteResult> Pipeline(QuoteResilienceOptions options) =>
        QuotePipelines.Build("test", options, _time, _log, _circuit);

    private static Task<QuoteResult> Run(ResiliencePipeline<QuoteResult> pipeline, ScriptedProvider provider, CancellationToken cancellationToken = default) =>
        pipeline.ExecuteAsync(
            static (p, token) => new ValueTask<QuoteResult>(p.GetQuoteAsync("AAPL.US", token)), provider, cancellationToken).AsTask();

    public static TheoryData<string, int> Outcomes => new()
    {
        { "503", 3 },
        { "429", 1 },
        { "408", 3 },
        { "HttpRequestException", 3 },
        { "IOException", 3 },
        { "html", 1 },
        { "garbage", 1 },
        { "404", 1 },
        { "unknown", 1 },
        { "found", 1 },
        { "InvalidOperationException", 1 },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task Retries_transient_failures_only(string outcome, int attempts)
    {
        var step = outcome switch
        {
            "503" => ScriptedProvider.Returns(Http503),
            "429" => ScriptedProvider.Returns(QuoteResult.RateLimited(TimeSpan.FromSeconds(20))),
            "408" => ScriptedProvider.Returns(QuoteResult.Fail("HTTP 408", transient: true)),
            "HttpRequestException" => ScriptedProvider.Throws(new HttpRequestException(HttpRequestError.ConnectionError, "refused")),
            "IOException" => ScriptedProvider.Throws(new IOException("reset")),
            "html" => ScriptedProvider.Returns(Html),
            "garbage" => ScriptedProvider.Returns(QuoteResult.Fail("response is not UTF-8 text")),
            "404" => ScriptedProvider.Returns(QuoteResult.Fail("HTTP 404")),
            "unknown" => ScriptedProvider.Returns(QuoteResult.Unknown),
            "found" => ScriptedProvider.Returns(Price),
            _ => ScriptedProvider.Throws(new InvalidOperationException("bug")),
        };
        var provider = new ScriptedProvider("test", step);
        var run = Run(Pipeline(Options()), provider);

        var thrown = await Record.ExceptionAsync(() => run);
        Assert.Equal(outcome.EndsWith("Exception", StringComparison.Ordinal) ? outcome : null, thrown?.GetType().Name);
        Assert.Equal(attempts, provider.Calls);
        Assert.Equal(attempts - 1, _log.Collector.GetSnapshot().Count(r => r.Id.Id == 4110));
    }

    [Fact]
    public async Task A_retried_provider_that_recovers_gives_its_quote()
    {
        var provider = new ScriptedProvider("test",
            ScriptedProvider.Returns(Http503), ScriptedProvider.Throws(new HttpRequestException("reset")), ScriptedProvider.Returns(Price));
        Assert.Equal(Price, await Run(Pipeline(Options()), provider));
        Assert.Equal(3, provider.Calls);
        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
    }

    [Fact]
    public async Task Retries_wait_with_backoff_on_the_time_provider()
    {
        var provider = new ScriptedProvider("test", ScriptedProvider.Returns(Http503), ScriptedProvider.Returns(Http503), ScriptedProvider.Returns(Price));
        var run = Run(Pipeline(Options(retryDelaySeconds: 1)), provider);

        // Attempt 1 (its timeout timer) failed; the retry waits on a delay timer and no time has passed.
        await _time.WaitForTimersAsync(2);
        Assert.False(run.IsCompleted);
        Assert.Equal(1, provider.Calls);

        _time.Advance(TimeSpan.FromSeconds(10));
        await _time.WaitForTimersAsync(4);
        Assert.False(run.IsCompleted);
        Assert.Equal(2, provider.Calls);

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(Price, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, provider.Calls);

        var delays = _log.Collector.GetSnapshot().Where(r => r.Id.Id == 4110)
            .Select(r => TimeSpan.Parse(r.GetStructuredStateValue("Delay")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, delays.Count);
        Assert.All(delays, delay => Assert.InRange(delay, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_attempt_that_outlives_its_timeout_is_cancelled_and_retried()
    {
        var provider = new ScriptedProvider("test", ScriptedProvider.Hangs(), ScriptedProvider.Returns(Price));
        var run = Run(Pipeline(Options()), provider);
        await _time.WaitForTimersAsync(1);
        Assert.Equal(1, provider.Calls);

        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(run.IsCompleted);
        Assert.False(provider.Tokens[0].IsCancellationRequested);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(Price, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(provider.Tokens[0].IsCancellationRequested);
        Assert.Equal(2, provider.Calls);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Id.Id == 4111);
    }

    [Fact]
    public async Task Attempts_that_all_time_out_end_in_a_timeout()
    {
        var provider = new ScriptedProvider("test", ScriptedProvider.Hangs());
        var run = Run(Pipeline(Options()), provider);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await _time.WaitForTimersAsync(attempt);
            Assert.Equal(attempt, provider.Calls);
            _time.Advance(TimeSpan.FromSeconds(3));
        }

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, provider.Calls);
    }

    [Fact]
    public async Task The_circuit_opens_after_enough_failures_and_skips_the_provider()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", ScriptedProvider.Returns(Html));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Html, await Run(pipeline, provider));
            Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
        }

        Assert.Equal(Html, await Run(pipeline, provider));
        Assert.Equal(CircuitState.Open, _circuit.CircuitState);
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Id.Id == 4112 && r.Message.Contains("HTML", StringComparison.Ordinal));

        await Assert.ThrowsAsync<BrokenCircuitException>(() => Run(pipeline, provider));
        _time.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => Run(pipeline, provider));
        Assert.Equal(4, provider.Calls);
    }

    [Fact]
    public async Task An_open_circuit_closes_after_a_successful_trial()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test",
            ScriptedProvider.Returns(Html), ScriptedProvider.Returns(Html), ScriptedProvider.Returns(Html), ScriptedProvider.Returns(Html),
            ScriptedProvider.Returns(Price));
        for (var i = 0; i < 4; i++)
        {
            await Run(pipeline, provider);
        }

        Assert.Equal(CircuitState.Open, _circuit.CircuitState);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Price, await Run(pipeline, provider));
        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
        Assert.Equal(5, provider.Calls);
        Assert.Equal(Price, await Run(pipeline, provider));
        var events = _log.Collector.GetSnapshot().Select(r => r.Id.Id).Where(id => id is 4112 or 4113 or 4114).ToList();
        Assert.Equal([4112, 4113, 4114], events);
    }

    [Fact]
    public async Task A_failed_trial_opens_the_circuit_again()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", ScriptedProvider.Returns(Html));
        for (var i = 0; i < 4; i++)
        {
            await Run(pipeline, provider);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(Html, await Run(pipeline, provider));
        Assert.Equal(CircuitState.Open, _circuit.CircuitState);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => Run(pipeline, provider));
        Assert.Equal(5, provider.Calls);
    }

    [Fact]
    public async Task Retries_stop_when_the_circuit_opens_midway()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", ScriptedProvider.Returns(Http503));

        Assert.Equal(Http503, await Run(pipeline, provider));
        Assert.Equal(3, provider.Calls);
        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);

        // The fourth failed attempt opens the circuit; the retry after it is refused without a call.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => Run(pipeline, provider));
        Assert.Equal(4, provider.Calls);
        Assert.Equal(CircuitState.Open, _circuit.CircuitState);
    }

    [Fact]
    public async Task Timeouts_count_against_the_circuit()
    {
        var pipeline = Pipeline(Options(retries: 0));
        var provider = new ScriptedProvider("test", ScriptedProvider.Hangs());
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var run = Run(pipeline, provider);
            await _time.WaitForTimersAsync(attempt);
            _time.Advance(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAsync<TimeoutRejectedException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(CircuitState.Open, _circuit.CircuitState);
    }

    [Fact]
    public async Task Unknown_symbols_and_quotes_never_open_the_circuit()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", ScriptedProvider.Returns(QuoteResult.Unknown));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(QuoteResult.Unknown, await Run(pipeline, provider));
        }

        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
    }

    [Fact]
    public async Task Failures_below_the_ratio_keep_the_circuit_closed()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", Enumerable.Range(0, 30)
            .Select(i => ScriptedProvider.Returns(i % 3 == 2 ? Html : Price)).ToArray());
        for (var i = 0; i < 30; i++)
        {
            await Run(pipeline, provider);
        }

        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
        Assert.Equal(30, provider.Calls);
    }

    [Fact]
    public async Task A_caller_that_gives_up_neither_retries_nor_counts_against_the_circuit()
    {
        var pipeline = Pipeline(Options());
        var provider = new ScriptedProvider("test", ScriptedProvider.Hangs());
        for (var i = 0; i < 5; i++)
        {
            using var giveUp = new CancellationTokenSource();
            var run = Run(pipeline, provider, giveUp.Token);
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(5, provider.Calls);
        Assert.Equal(CircuitState.Closed, _circuit.CircuitState);
    }
}
