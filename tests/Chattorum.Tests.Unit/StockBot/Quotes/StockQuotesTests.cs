using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>The order of providers and the choice of reply, with scripted providers (no HTTP).</summary>
public class StockQuotesTests
{
    private static readonly QuoteResult Html = QuoteResult.Fail("HTML instead of CSV");

    private readonly TimerAwareTimeProvider _time = new();
    private readonly FakeLogger<StockQuotes> _log = new();

    private QuotePipelines? _pipelines;

    private IStockQuotes Create(ScriptedProvider first, ScriptedProvider second, IEnumerable<string>? order = null)
    {
        var options = Options.Create(new QuotesOptions
        {
            Providers = [.. order ?? [first.Name, second.Name]],
            Resilience = new QuoteResilienceOptions { MaxRetryAttempts = 0, MinimumThroughput = 2, FailureRatio = 1 },
        });
        ScriptedProvider[] providers = [first, second];
        _pipelines = TestPipelines.Create(providers, options, _time);
        return new StockQuotes(providers, _pipelines, new ProviderLimits(_time), new Chattorum.StockBot.BotMetrics(Support.TestMeters.Factory, _pipelines, options), options, _log);
    }

    private static ScriptedProvider Quoting(string name, decimal price) => new(name, ScriptedProvider.Returns(QuoteResult.Found(price)));

    private static ScriptedProvider Answering(string name, QuoteResult result) => new(name, ScriptedProvider.Returns(result));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r\n")]
    public async Task A_missing_argument_gets_the_usage(string? argument)
    {
        var first = Quoting("first", 1);
        var quotes = Create(first, Quoting("second", 2));
        Assert.Equal(QuoteReplies.Usage, await quotes.AnswerAsync(argument, CancellationToken.None));
        Assert.Equal(0, first.Calls);
    }

    [Theory]
    [InlineData("AA PL")]
    [InlineData("../../etc/passwd")]
    [InlineData("https://evil.example/?x")]
    [InlineData("ABCDEFGHIJKLMN")]
    [InlineData("aapl&apikey=x")]
    public async Task A_bad_symbol_is_answered_without_asking_anyone(string argument)
    {
        var first = Quoting("first", 1);
        var second = Quoting("second", 2);
        var quotes = Create(first, second);
        Assert.Equal(QuoteReplies.BadSymbol, await quotes.AnswerAsync(argument, CancellationToken.None));
        Assert.Equal(0, first.Calls + second.Calls);
    }

    [Fact]
    public async Task The_first_provider_that_quotes_answers()
    {
        var first = Quoting("first", 93.42m);
        var second = Quoting("second", 1);
        var quotes = Create(first, second);
        Assert.Equal("AAPL.US quote is $93.42 per share", await quotes.AnswerAsync("aapl", CancellationToken.None));
        Assert.Equal((1, 0), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task The_configured_order_decides_who_is_asked_first()
    {
        var first = Quoting("first", 93.42m);
        var second = Quoting("second", 1);
        var quotes = Create(first, second, order: ["SECOND", "first"]);
        Assert.Equal("AAPL.US quote is $1.00 per share", await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((0, 1), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task A_provider_left_out_of_the_order_is_never_asked()
    {
        var first = Answering("first", Html);
        var second = Quoting("second", 1);
        var quotes = Create(first, second, order: ["first"]);
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((1, 0), (first.Calls, second.Calls));
    }

    [Theory]
    [InlineData("html")]
    [InlineData("503")]
    [InlineData("connection")]
    [InlineData("bug")]
    public async Task A_failing_provider_falls_back_to_the_next(string failure)
    {
        var first = new ScriptedProvider("first", failure switch
        {
            "html" => ScriptedProvider.Returns(Html),
            "503" => ScriptedProvider.Returns(QuoteResult.Fail("HTTP 503", transient: true)),
            "connection" => ScriptedProvider.Throws(new HttpRequestException(HttpRequestError.ConnectionError, "refused")),
            _ => ScriptedProvider.Throws(new InvalidOperationException("bug")),
        });
        var second = Quoting("second", 0.0012m);
        var quotes = Create(first, second);
        Assert.Equal("BRK-B.US quote is $0.0012 per share", await quotes.AnswerAsync("brk-b", CancellationToken.None));
        Assert.Equal((1, 1), (first.Calls, second.Calls));
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Id.Id == 4103 && r.GetStructuredStateValue("Provider") == "first");
    }

    [Fact]
    public async Task An_unknown_symbol_is_the_answer_without_asking_further()
    {
        var first = Answering("first", QuoteResult.Unknown);
        var second = Quoting("second", 1);
        var quotes = Create(first, second);
        Assert.Equal("I don't know the stock symbol XYZ.US", await quotes.AnswerAsync("xyz", CancellationToken.None));
        Assert.Equal((1, 0), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task When_every_provider_fails_the_bot_says_quotes_are_unavailable()
    {
        var first = Answering("first", Html);
        var second = Answering("second", QuoteResult.Fail("rate limit or API key notice"));
        var quotes = Create(first, second);
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((1, 1), (first.Calls, second.Calls));
        Assert.Contains(_log.Collector.GetSnapshot(), r => r.Id.Id == 4106);
    }

    [Fact]
    public async Task A_provider_that_cannot_quote_the_symbol_is_skipped_without_a_call_or_a_failure()
    {
        var first = Answering("first", Html);
        var second = Quoting("second", 1);
        second.CannotQuoteReason = "covers US symbols only";
        var quotes = Create(first, second);
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("VOD.UK", CancellationToken.None));
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("VOD.UK", CancellationToken.None));

        // The skipped provider does not count as a failure, nor as eligible: first alone decides.
        Assert.Equal(0, second.Calls);
        Assert.Equal(CircuitState.Closed, _pipelines!.GetCircuitState("second"));
        Assert.Equal(CircuitState.Open, _pipelines.GetCircuitState("first"));
        Assert.Equal(QuoteReplies.TemporarilyUnavailable, await quotes.AnswerAsync("VOD.UK", CancellationToken.None));
    }

    [Fact]
    public async Task With_every_circuit_open_the_bot_answers_at_once_without_calls()
    {
        var first = Answering("first", Html);
        var second = Answering("second", Html);
        var quotes = Create(first, second);
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((2, 2), (first.Calls, second.Calls));

        var answer = quotes.AnswerAsync("AAPL", CancellationToken.None);
        Assert.True(answer.IsCompletedSuccessfully);
        Assert.Equal(QuoteReplies.TemporarilyUnavailable, await answer);
        Assert.Equal((2, 2), (first.Calls, second.Calls));
        Assert.Equal(2, _log.Collector.GetSnapshot().Count(r => r.Id.Id == 4105));
    }

    [Fact]
    public async Task An_open_circuit_moves_on_to_the_next_provider()
    {
        var first = Answering("first", Html);
        var second = new ScriptedProvider("second",
            ScriptedProvider.Returns(QuoteResult.Found(5)), ScriptedProvider.Returns(QuoteResult.Found(5)), ScriptedProvider.Returns(Html));
        var quotes = Create(first, second);
        await quotes.AnswerAsync("AAPL", CancellationToken.None);
        await quotes.AnswerAsync("AAPL", CancellationToken.None);
        Assert.Equal(CircuitState.Open, _pipelines!.GetCircuitState("first"));

        // first is skipped at once; second fails: that is "unavailable", not "temporarily unavailable".
        Assert.Equal(QuoteReplies.Unavailable, await quotes.AnswerAsync("AAPL", CancellationToken.None));
        Assert.Equal((2, 3), (first.Calls, second.Calls));
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_swallowed()
    {
        var first = new ScriptedProvider("first", ScriptedProvider.Hangs());
        var second = Quoting("second", 1);
        var quotes = Create(first, second);
        using var stopping = new CancellationTokenSource();
        var answer = quotes.AnswerAsync("AAPL", stopping.Token);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, second.Calls);
    }

    [Fact]
    public void An_unknown_provider_in_the_order_is_a_configuration_error()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Create(Quoting("first", 1), Quoting("second", 1), order: ["first", "yahoo"]));
        Assert.Contains("yahoo", error.Message, StringComparison.Ordinal);
    }
}
