using System.Net;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>The fake answers as documented, so tests built on it (here and end to end) test what they say.</summary>
public sealed class FakeQuoteServerTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeQuoteServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeQuoteServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private Task<HttpResponseMessage> Stooq(string symbol = "aapl.us") => _http.GetAsync(new Uri(_server.BaseUri, $"q/l/?s={symbol}&f=sd2t2ohlcv&h&e=csv"));

    private Task<HttpResponseMessage> AlphaVantage(string symbol = "AAPL") =>
        _http.GetAsync(new Uri(_server.BaseUri, $"query?function=GLOBAL_QUOTE&symbol={symbol}&apikey=k"));

    [Fact]
    public async Task Listens_on_loopback_and_counts_requests_per_provider()
    {
        Assert.Equal("127.0.0.1", _server.BaseUri.Host);
        Assert.NotEqual(0, _server.BaseUri.Port);
        _server.SetPrice("AAPL.US", 93.42m);

        Assert.Equal("Symbol,Date,Time,Open,High,Low,Close,Volume\r\nAAPL.US,2026-11-27,22:00:09,93.42,93.42,93.42,93.42,51234567\r\n",
            await (await Stooq()).Content.ReadAsStringAsync());
        Assert.Contains("\"05. price\": \"93.4200\"", await (await AlphaVantage()).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Stooq("msft.us");
        Assert.Equal((2, 1), (_server.StooqRequests, _server.AlphaVantageRequests));
        Assert.Equal("?s=msft.us&f=sd2t2ohlcv&h&e=csv", _server.Stooq.Queries[1]);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(_server.BaseUri)).StatusCode);
    }

    [Fact]
    public async Task Unknown_symbols_get_N_D_and_an_empty_global_quote()
    {
        Assert.EndsWith("MSFT.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n", await (await Stooq("msft.us")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("""{"Global Quote": {}}""", await (await AlphaVantage("MSFT")).Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(QuoteBehaviour.Html, HttpStatusCode.OK)]
    [InlineData(QuoteBehaviour.ServerError, HttpStatusCode.InternalServerError)]
    [InlineData(QuoteBehaviour.Unavailable, HttpStatusCode.ServiceUnavailable)]
    [InlineData(QuoteBehaviour.TooManyRequests, HttpStatusCode.TooManyRequests)]
    [InlineData(QuoteBehaviour.Garbage, HttpStatusCode.OK)]
    [InlineData(QuoteBehaviour.Truncated, HttpStatusCode.OK)]
    [InlineData(QuoteBehaviour.LimitReached, HttpStatusCode.OK)]
    public async Task Behaviours_switch_per_provider(QuoteBehaviour behaviour, HttpStatusCode status)
    {
        _server.SetPrice("AAPL.US", 1m);
        _server.Stooq.Behaviour = behaviour;
        Assert.Equal(status, (await Stooq()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AlphaVantage()).StatusCode);

        _server.AlphaVantage.Behaviour = behaviour;
        _server.Stooq.Behaviour = QuoteBehaviour.Quote;
        Assert.Equal(status, (await AlphaVantage()).StatusCode);
        Assert.EndsWith(",1,1,1,1,51234567\r\n", await (await Stooq()).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("7")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    public async Task A_429_carries_the_retry_after_it_is_given(string? retryAfter)
    {
        _server.Stooq.Behaviour = QuoteBehaviour.TooManyRequests;
        _server.Stooq.RetryAfter = retryAfter;
        using var response = await Stooq();
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(retryAfter, response.Headers.NonValidated.TryGetValues("Retry-After", out var values) ? values.Single() : null);
    }

    [Fact]
    public async Task Oversized_bodies_come_without_a_content_length()
    {
        _server.SetBehaviour(QuoteBehaviour.Oversized);
        using var response = await _http.GetAsync(new Uri(_server.BaseUri, "q/l/?s=aapl.us"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length >= FakeQuoteServer.OversizedBytes);
    }

    [Fact]
    public async Task A_dropped_connection_is_a_transport_error()
    {
        _server.Stooq.Behaviour = QuoteBehaviour.Disconnect;
        await Assert.ThrowsAsync<HttpRequestException>(() => Stooq());
    }

    [Fact]
    public async Task Slow_answers_wait_and_disposal_cuts_them_short()
    {
        _server.SlowDelay = TimeSpan.FromMilliseconds(1);
        _server.SetPrice("AAPL.US", 2m);
        _server.Stooq.Behaviour = QuoteBehaviour.Slow;
        Assert.EndsWith(",2,2,2,2,51234567\r\n", await (await Stooq()).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        _server.SlowDelay = TimeSpan.FromMinutes(5);
        var pending = Stooq();
        await _server.Stooq.WaitForRequestsAsync(2);
        Assert.False(pending.IsCompleted);

        // Kestrel's own stop deadline here is 5 s: a handler that ignored the server stopping would take that long.
        await _server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(4));
        await Assert.ThrowsAsync<HttpRequestException>(() => pending);
        _server = await FakeQuoteServer.StartAsync();
    }
}
