using Chattorum.StockBot;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>A 429 means "wait until T", not a failure; and one deadline bounds the whole answer. Scripted providers, fake time.</summary>
public class StockQuotesRateLimitTests
{
    private readonly TimerAwareTimeProvider _time = new();

    private (IStockQuotes Quotes, ProviderLimits Limits) Create(ScriptedProvider first, ScriptedProvider second, int retries = 0, double attemptTimeoutSeconds = 3)
    {
        var options = Options.Create(new QuotesOptions
        {
            Providers = [first.Name, second.Name],
            Resilience = new QuoteResilienceOptions
            {
                AttemptTimeout = TimeSpan.FromSeconds(attemptTimeoutSeconds),
                MaxRetryAttempts = retries,
                RetryDelay = TimeSpan.Zero,
                MinimumThroughput = 10, // the circuit stays out of these tests
                FailureRatio = 1,
            },
            RateLimit = new QuoteRateLimitOptions { DefaultRetryAfter = TimeSpan.FromSeconds(20) },
        });
        ScriptedProvider[] providers = [first, second];
        var pipelines = TestPipelines.Create(providers, options, _time);
        var limits = new ProviderLimits(_time);
        var quotes = new StockQuotes(providers, pipelines, limits, new BotMetrics(Support.TestMeters.Factory, pipelines, options), options, new FakeLogger<StockQuotes>());
        return (quotes, limits);
    }

    private static ScriptedProvider Limited(string name, double? retryAfterSeconds) =>
        new(name, ScriptedProvider.Returns(QuoteResult.RateLimited(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null)));

    [Theory]
    [InlineData(30.0, 30.0)]
    [InlineData(null, 20.0)] // no Retry-After: the configured default
    [InlineData(0.0, 0.0)]
    public async Task A_429_with_no_other_answer_is_rate_limited_until_its_retry_after(double? retryAfter, double waitSeconds)
    {
        var first = Limited("first", retryAfter);
        var second = new ScriptedProvider("second", ScriptedProvider.Returns(QuoteResult.Fail("HTTP 503", transient: true)));
        var (quotes, _) = Create(first, second, retries: 2);

        var answer = await quotes.AskAsync("AAPL", CancellationToken.None);

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(waitSeconds), answer.RateLimitedUntil);
        Assert.Equal(QuoteReplies.RateLimited, answer.Text);
        Assert.Equal(1, first.Calls); // a 429 is not retried
        Assert.Equal(3, second.Calls); // a 503 still is
    }

    [Fact]
    public async Task A_rate_limited_provider_is_not_asked_until_its_limit_clears_and_the_next_one_answers_meanwhile()
    {
        var first = new ScriptedProvider("first", ScriptedProvider.Returns(QuoteResult.RateLimited(TimeSpan.FromSeconds(30))), ScriptedProvider.Returns(QuoteResult.Found(2)));
        var second = new ScriptedProvider("second", ScriptedProvider.Returns(QuoteResult.Found(1)));
        var (quotes, limits) = Create(first, second);

        Assert.Equal("AAPL.US quote is $1.00 per share", await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.True(limits.IsLimited("first", out _));
        Assert.Equal("AAPL.US quote is $1.00 per share", await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((1, 2), (first.Calls, second.Calls));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("AAPL.US quote is $2.00 per share", await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((2, 2), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task While_every_provider_is_limited_a_new_request_waits_without_any_call()
    {
        var first = Limited("first", 30);
        var second = Limited("second", 10);
        var (quotes, _) = Create(first, second);
        var start = _time.GetUtcNow();
        Assert.Equal(start + TimeSpan.FromSeconds(10), (await quotes.AskAsync("AAPL", CancellationToken.None)).RateLimitedUntil);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(start + TimeSpan.FromSeconds(10), (await quotes.AskAsync("MSFT", CancellationToken.None)).RateLimitedUntil);
        Assert.Equal((1, 1), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task The_deadline_cuts_hanging_providers_and_the_answer_is_unavailable_at_the_deadline()
    {
        var first = new ScriptedProvider("first", ScriptedProvider.Hangs());
        var second = new ScriptedProvider("second", ScriptedProvider.Hangs());
        var (quotes, _) = Create(first, second, retries: 2);
        var answer = quotes.AskAsync("AAPL", CancellationToken.None);

        // The deadline's timer and the first attempt's: then 3 s (the attempt timeout) and 1 s more.
        await _time.WaitForTimersAsync(2);
        _time.Advance(TimeSpan.FromSeconds(3));
        await first.WaitForCallsAsync(2);
        Assert.False(answer.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1));
        Assert.False(answer.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(StockAnswer.Final(QuoteReplies.Unavailable), await answer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, second.Calls);
    }

    [Fact]
    public async Task A_limit_learnt_before_the_deadline_still_means_wait()
    {
        var first = Limited("first", 30);
        var second = new ScriptedProvider("second", ScriptedProvider.Hangs());
        var (quotes, _) = Create(first, second, attemptTimeoutSeconds: 10); // the deadline (4 s), not the attempt, cuts it
        var start = _time.GetUtcNow();
        var answer = quotes.AskAsync("AAPL", CancellationToken.None);
        await second.WaitForCallsAsync(1);
        _time.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(start + TimeSpan.FromSeconds(30), (await answer.WaitAsync(TimeSpan.FromSeconds(10))).RateLimitedUntil);
    }
}
