using Chattorum.StockBot.Quotes;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>
/// <see cref="IStockQuotes"/> as the bot registers it, through real HttpClients to a local fake of both providers.
/// Request counts also prove that only the quote pipeline retries: the service defaults' standard resilience
/// handler, which retries 5xx on its own, is removed from the quote clients.
/// </summary>
public sealed class StockQuotesEndToEndTests : IAsyncLifetime
{
    private const string AaplReply = "AAPL.US quote is $93.42 per share";
    private readonly TimerAwareTimeProvider _time = new();
    private FakeQuoteServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeQuoteServer.StartAsync();
        _server.SetPrice("AAPL.US", 93.42m);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>An answer within 15 s: a pipeline that waits on the fake clock where it should not fails here instead of hanging.</summary>
    private static Task<string> AskAsync(QuotesHost host, string argument) =>
        host.Quotes.AnswerAsync(argument, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

    private Task<QuotesHost> StartAsync(params (string Key, string? Value)[] settings) =>
        QuotesHost.StartAsync(_server, _time, settings.Select(s => KeyValuePair.Create(s.Key, s.Value)));

    [Fact]
    public async Task Quotes_a_symbol_through_stooq()
    {
        await using var host = await StartAsync();
        Assert.Equal(AaplReply, await AskAsync(host, "aapl"));
        Assert.Equal("?s=aapl.us&f=sd2t2ohlcv&h&e=csv", Assert.Single(_server.Stooq.Queries));
        Assert.Equal(0, _server.AlphaVantageRequests);
    }

    [Fact]
    public async Task Sends_the_stooq_key_when_one_is_configured()
    {
        await using var host = await StartAsync(("Quotes:Stooq:ApiKey", "stooq-key"));
        _server.SetPrice("BRK-B.US", 0.0012m);
        Assert.Equal("BRK-B.US quote is $0.0012 per share", await AskAsync(host, "brk-b"));
        Assert.Equal("?s=brk-b.us&f=sd2t2ohlcv&h&e=csv&apikey=stooq-key", Assert.Single(_server.Stooq.Queries));
    }

    [Theory]
    [InlineData(QuoteBehaviour.Quote)]
    [InlineData(QuoteBehaviour.UnknownSymbol)]
    public async Task An_unknown_symbol_is_answered_as_such_without_asking_alpha_vantage(QuoteBehaviour behaviour)
    {
        await using var host = await StartAsync();
        _server.Stooq.Behaviour = behaviour;
        Assert.Equal("I don't know the stock symbol XYZ.US", await AskAsync(host, "XYZ"));
        Assert.Equal(1, _server.StooqRequests);
        Assert.Equal(0, _server.AlphaVantageRequests);
    }

    [Theory]
    [InlineData(QuoteBehaviour.Html, 1)]
    [InlineData(QuoteBehaviour.Garbage, 1)]
    [InlineData(QuoteBehaviour.Truncated, 1)]
    [InlineData(QuoteBehaviour.Oversized, 1)]
    [InlineData(QuoteBehaviour.LimitReached, 1)]
    [InlineData(QuoteBehaviour.ServerError, 3)]
    [InlineData(QuoteBehaviour.Unavailable, 3)]
    [InlineData(QuoteBehaviour.TooManyRequests, 1)]
    [InlineData(QuoteBehaviour.Disconnect, 3)]
    public async Task A_failing_stooq_falls_back_to_alpha_vantage(QuoteBehaviour behaviour, int stooqRequests)
    {
        await using var host = await StartAsync();
        _server.Stooq.Behaviour = behaviour;
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal(stooqRequests, _server.StooqRequests);
        Assert.Equal($"?function=GLOBAL_QUOTE&symbol=AAPL&apikey={FakeQuoteServer.AlphaVantageKey}", Assert.Single(_server.AlphaVantage.Queries));
    }

    [Theory]
    [InlineData(QuoteBehaviour.Quote, AaplReply, 1)]
    [InlineData(QuoteBehaviour.UnknownSymbol, "I don't know the stock symbol AAPL.US", 1)]
    [InlineData(QuoteBehaviour.Html, QuoteReplies.Unavailable, 1)]
    [InlineData(QuoteBehaviour.Garbage, QuoteReplies.Unavailable, 1)]
    [InlineData(QuoteBehaviour.Truncated, QuoteReplies.Unavailable, 1)]
    [InlineData(QuoteBehaviour.Oversized, QuoteReplies.Unavailable, 1)]
    [InlineData(QuoteBehaviour.LimitReached, QuoteReplies.Unavailable, 1)]
    [InlineData(QuoteBehaviour.Unavailable, QuoteReplies.Unavailable, 3)]
    public async Task Alpha_vantage_answers_when_stooq_serves_its_html_page(QuoteBehaviour behaviour, string reply, int alphaVantageRequests)
    {
        await using var host = await StartAsync();
        _server.Stooq.Behaviour = QuoteBehaviour.Html;
        _server.AlphaVantage.Behaviour = behaviour;
        Assert.Equal(reply, await AskAsync(host, "AAPL"));
        Assert.Equal(1, _server.StooqRequests);
        Assert.Equal(alphaVantageRequests, _server.AlphaVantageRequests);
    }

    [Fact]
    public async Task Polly_reports_the_retries_of_each_provider_pipeline_on_its_own_meter()
    {
        // Polly.Extensions' meter is static ("Polly"): other tests' pipelines report on it too, so look for this host's
        // retries by their tags only, and at least as many as happened here.
        using var events = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<int>(
            null, Chattorum.StockBot.Extensions.PollyMeter, "resilience.polly.strategy.events");
        await using var host = await StartAsync();
        _server.Stooq.Behaviour = QuoteBehaviour.ServerError;
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));

        var retries = events.GetMeasurementSnapshot().Where(m =>
            (string?)m.Tags["pipeline.name"] == QuotePipelines.Key("stooq") && (string?)m.Tags["event.name"] == "OnRetry").ToList();
        Assert.True(retries.Count >= 2, $"{retries.Count} OnRetry events for quotes-stooq");
    }

    [Fact]
    public async Task With_both_providers_down_the_bot_says_quotes_are_unavailable()
    {
        await using var host = await StartAsync();
        _server.SetBehaviour(QuoteBehaviour.ServerError);
        Assert.Equal(QuoteReplies.Unavailable, await AskAsync(host, "AAPL"));
        Assert.Equal((3, 3), (_server.StooqRequests, _server.AlphaVantageRequests));
    }

    [Fact]
    public async Task Alpha_vantage_is_not_asked_for_other_markets()
    {
        await using var host = await StartAsync();
        _server.SetPrice("VOD.UK", 72.5m);
        Assert.Equal("VOD.UK quote is $72.50 per share", await AskAsync(host, "vod.uk"));

        _server.Stooq.Behaviour = QuoteBehaviour.Html;
        Assert.Equal(QuoteReplies.Unavailable, await AskAsync(host, "vod.uk"));
        Assert.Equal((2, 0), (_server.StooqRequests, _server.AlphaVantageRequests));
    }

    [Fact]
    public async Task Alpha_vantage_without_a_key_is_skipped()
    {
        await using var host = await StartAsync(("Quotes:AlphaVantage:ApiKey", ""));
        _server.Stooq.Behaviour = QuoteBehaviour.Html;
        Assert.Equal(QuoteReplies.Unavailable, await AskAsync(host, "AAPL"));
        Assert.Equal((1, 0), (_server.StooqRequests, _server.AlphaVantageRequests));
    }

    [Fact]
    public async Task The_provider_order_comes_from_configuration()
    {
        await using var host = await StartAsync(("Quotes:Providers:0", "alphavantage"), ("Quotes:Providers:1", "stooq"));
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((0, 1), (_server.StooqRequests, _server.AlphaVantageRequests));

        _server.AlphaVantage.Behaviour = QuoteBehaviour.LimitReached;
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((1, 2), (_server.StooqRequests, _server.AlphaVantageRequests));
    }

    [Fact]
    public async Task A_slow_stooq_times_out_per_attempt_then_alpha_vantage_answers()
    {
        // A deadline long enough for all three attempts: this is about the per-attempt timeout.
        await using var host = await StartAsync(("Quotes:Resilience:Deadline", "00:00:30"));
        _server.Stooq.Behaviour = QuoteBehaviour.Slow;
        var answer = host.Quotes.AnswerAsync("AAPL", CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await _server.Stooq.WaitForRequestsAsync(attempt);
            Assert.False(answer.IsCompleted);
            _time.Advance(TimeSpan.FromSeconds(3));
        }

        Assert.Equal(AaplReply, await answer.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((3, 1), (_server.StooqRequests, _server.AlphaVantageRequests));
        Assert.Equal(3, host.Logs.GetSnapshot().Count(r => r.Id.Id == 4111));
    }

    [Fact]
    public async Task The_circuit_opens_on_repeated_html_and_closes_once_stooq_answers_again()
    {
        await using var host = await StartAsync();
        _server.Stooq.Behaviour = QuoteBehaviour.Html;
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        }

        Assert.Equal((4, 4), (_server.StooqRequests, _server.AlphaVantageRequests));
        Assert.Equal(CircuitState.Open, host.Pipelines.GetCircuitState("stooq"));
        Assert.Equal(CircuitState.Closed, host.Pipelines.GetCircuitState("alphavantage"));

        // Open: stooq gets no request at all, even once it would answer.
        _server.Stooq.Behaviour = QuoteBehaviour.Quote;
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((4, 6), (_server.StooqRequests, _server.AlphaVantageRequests));

        // After the break one trial request goes through; it succeeds and closes the circuit.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((5, 6), (_server.StooqRequests, _server.AlphaVantageRequests));
        Assert.Equal(CircuitState.Closed, host.Pipelines.GetCircuitState("stooq"));
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((6, 6), (_server.StooqRequests, _server.AlphaVantageRequests));

        var circuitEvents = host.Logs.GetSnapshot().Where(r => r.Id.Id is 4112 or 4113 or 4114).Select(r => r.Id.Id).ToList();
        Assert.Equal([4112, 4113, 4114], circuitEvents);
    }

    [Fact]
    public async Task With_every_circuit_open_the_bot_answers_at_once_and_recovers_later()
    {
        await using var host = await StartAsync();
        _server.SetBehaviour(QuoteBehaviour.Unavailable);
        Assert.Equal(QuoteReplies.Unavailable, await AskAsync(host, "AAPL"));
        Assert.Equal((3, 3), (_server.StooqRequests, _server.AlphaVantageRequests));

        // The fourth failed attempt of each opens its circuit.
        Assert.Equal(QuoteReplies.TemporarilyUnavailable, await AskAsync(host, "AAPL"));
        Assert.Equal((4, 4), (_server.StooqRequests, _server.AlphaVantageRequests));

        _server.SetBehaviour(QuoteBehaviour.Quote);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(QuoteReplies.TemporarilyUnavailable, await AskAsync(host, "MSFT"));
        }

        Assert.Equal((4, 4), (_server.StooqRequests, _server.AlphaVantageRequests));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.Equal((5, 4), (_server.StooqRequests, _server.AlphaVantageRequests));
        Assert.Equal(CircuitState.Closed, host.Pipelines.GetCircuitState("stooq"));
    }

    [Fact]
    public async Task Logs_name_providers_and_symbols_but_never_a_key()
    {
        const string stooqKey = "stooq-secret-4711";
        await using var host = await StartAsync(("Quotes:Stooq:ApiKey", stooqKey));
        _server.Stooq.Behaviour = QuoteBehaviour.ServerError;
        _server.AlphaVantage.Behaviour = QuoteBehaviour.Html;
        Assert.Equal(QuoteReplies.Unavailable, await AskAsync(host, "AAPL"));
        _server.SetBehaviour(QuoteBehaviour.Quote);
        Assert.Equal(AaplReply, await AskAsync(host, "AAPL"));
        Assert.True(_server.Stooq.Queries.All(q => q.Contains(stooqKey, StringComparison.Ordinal)));

        var records = host.Logs.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 4103 && r.Message.Contains("stooq failed for AAPL.US: HTTP 500", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Id == 4110);
        Assert.Contains(records, r => r.Category?.StartsWith("System.Net.Http.HttpClient.Chattorum.Quotes", StringComparison.Ordinal) == true);
        foreach (var record in records)
        {
            var all = string.Join("|", [record.Message, record.Exception?.ToString(), .. record.StructuredState?.Select(kv => kv.Value) ?? []]);
            Assert.DoesNotContain(stooqKey, all, StringComparison.Ordinal);
            Assert.DoesNotContain(FakeQuoteServer.AlphaVantageKey, all, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Quotes:Resilience:AttemptTimeout", "00:00:00")]
    [InlineData("Quotes:Resilience:MinimumThroughput", "1")]
    [InlineData("Quotes:Stooq:BaseUrl", "not a url")]
    [InlineData("Quotes:MaxResponseBytes", "10")]
    public async Task A_bad_configuration_stops_the_host_at_start(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync((key, value)));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_provider_name_is_a_configuration_error()
    {
        await using var host = await StartAsync(("Quotes:Providers:0", "yahoo"));
        var error = Assert.Throws<OptionsValidationException>(() => host.Quotes);
        Assert.Contains("yahoo", error.Message, StringComparison.Ordinal);
    }
}
