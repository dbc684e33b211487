using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chattorum.Tests.Support;

/// <summary>How a <see cref="FakeQuoteServer"/> provider answers; switchable at any time.</summary>
public enum QuoteBehaviour
{
    /// <summary>The real answer: the price set with <see cref="FakeQuoteServer.SetPrice"/>, or unknown symbol when none is set.</summary>
    Quote,

    /// <summary>stooq: a row of <c>N/D</c>; Alpha Vantage: an empty <c>"Global Quote"</c>.</summary>
    UnknownSymbol,

    /// <summary>An HTML proof-of-work page with HTTP 200, as stooq gives non-browser clients.</summary>
    Html,

    /// <summary>HTTP 500.</summary>
    ServerError,

    /// <summary>HTTP 503.</summary>
    Unavailable,

    /// <summary>HTTP 429, with <see cref="FakeQuoteEndpoint.RetryAfter"/> as its <c>Retry-After</c> header when set.</summary>
    TooManyRequests,

    /// <summary>Answers (correctly) only after <see cref="FakeQuoteServer.SlowDelay"/>; cancelled when the client gives up or the server stops.</summary>
    Slow,

    /// <summary>Binary bytes with HTTP 200.</summary>
    Garbage,

    /// <summary>A well-formed HTTP 200 whose body stops mid-row (stooq) or mid-object (Alpha Vantage).</summary>
    Truncated,

    /// <summary>A valid answer padded to 256 KiB, chunked (no Content-Length), so only a capped read catches it.</summary>
    Oversized,

    /// <summary>Promises a longer body than it sends and drops the connection: a transport error.</summary>
    Disconnect,

    /// <summary>stooq: the plain-text daily hits limit; Alpha Vantage: a <c>"Note"</c> about the rate limit. Both with HTTP 200.</summary>
    LimitReached,
}

/// <summary>What one fake provider does and what it was asked.</summary>
public sealed class FakeQuoteEndpoint
{
    private readonly Lock _lock = new();
    private readonly List<string> _queries = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _behaviour;
    private string? _retryAfter;

    internal FakeQuoteEndpoint(string name) => Name = name;

    public string Name { get; }

    /// <summary>The <c>Retry-After</c> value a <see cref="QuoteBehaviour.TooManyRequests"/> answer carries; null sends none.</summary>
    public string? RetryAfter
    {
        get => Volatile.Read(ref _retryAfter);
        set => Volatile.Write(ref _retryAfter, value);
    }

    public QuoteBehaviour Behaviour
    {
        get => (QuoteBehaviour)Volatile.Read(ref _behaviour);
        set => Volatile.Write(ref _behaviour, (int)value);
    }

    /// <summary>Requests received since start (or <see cref="ResetRequests"/>).</summary>
    public int Requests
    {
        get
        {
            lock (_lock)
            {
                return _queries.Count;
            }
        }
    }

    /// <summary>The query strings received, in order (e.g. <c>?s=aapl.us&amp;f=sd2t2ohlcv&amp;h&amp;e=csv</c>).</summary>
    public IReadOnlyList<string> Queries
    {
        get
        {
            lock (_lock)
            {
                return [.. _queries];
            }
        }
    }

    /// <summary>Completes once <see cref="Requests"/> reaches <paramref name="count"/>; fails after <paramref name="timeout"/> (default 10 s).</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_queries.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, reached));
        }

        return reached.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
    }

    public void ResetRequests()
    {
        lock (_lock)
        {
            _queries.Clear();
        }
    }

    internal void Record(string query)
    {
        lock (_lock)
        {
            _queries.Add(query);
            foreach (var waiter in _waiters.Where(w => _queries.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult();
            }
        }
    }
}

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers like stooq (<c>GET /q/l/?s=aapl.us&amp;f=sd2t2ohlcv&amp;h&amp;e=csv</c>)
/// and like Alpha Vantage (<c>GET /query?function=GLOBAL_QUOTE&amp;symbol=AAPL&amp;apikey=...</c>), each with a
/// <see cref="QuoteBehaviour"/> a test can switch at any time, counting the requests each receives.
/// <code>
/// await using var quotes = await FakeQuoteServer.StartAsync();
/// quotes.SetPrice("AAPL.US", 93.42m);
/// quotes.Stooq.Behaviour = QuoteBehaviour.Html;
/// builder.Configuration.AddInMemoryCollection(quotes.Configuration());
/// ... quotes.StooqRequests, await quotes.AlphaVantage.WaitForRequestsAsync(1)
/// </code>
/// </summary>
public sealed class FakeQuoteServer : IAsyncDisposable
{
    public const string AlphaVantageKey = "fake-alpha-vantage-key";
    public const int OversizedBytes = 256 * 1024;

    private const string HtmlPage =
        "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><noscript>Please enable JavaScript</noscript>" +
        "<script>/* proof of work */</script></body></html>";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, decimal> _prices = new(StringComparer.OrdinalIgnoreCase);
    private long _slowDelayTicks = TimeSpan.FromSeconds(30).Ticks;
    private int _disposed;

    private FakeQuoteServer(WebApplication app) => _app = app;

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>: the BaseUrl of both providers.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary><see cref="BaseUri"/> without the trailing slash.</summary>
    public string BaseUrl => BaseUri.ToString().TrimEnd('/');

    public FakeQuoteEndpoint Stooq { get; } = new("stooq");

    public FakeQuoteEndpoint AlphaVantage { get; } = new("alphavantage");

    public int StooqRequests => Stooq.Requests;

    public int AlphaVantageRequests => AlphaVantage.Requests;

    /// <summary>How long <see cref="QuoteBehaviour.Slow"/> waits before answering (default 30 s).</summary>
    public TimeSpan SlowDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _slowDelayTicks));
        set => Interlocked.Exchange(ref _slowDelayTicks, value.Ticks);
    }

    public static async Task<FakeQuoteServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeQuoteServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The price <see cref="QuoteBehaviour.Quote"/> answers for a normalised symbol (<c>AAPL.US</c>).</summary>
    public void SetPrice(string symbol, decimal price) => _prices[symbol] = price;

    public void RemovePrice(string symbol) => _prices.TryRemove(symbol, out _);

    /// <summary>Sets both providers' behaviour.</summary>
    public void SetBehaviour(QuoteBehaviour behaviour)
    {
        Stooq.Behaviour = behaviour;
        AlphaVantage.Behaviour = behaviour;
    }

    /// <summary>
    /// <c>Quotes:*</c> settings that point both providers here (Alpha Vantage with <see cref="AlphaVantageKey"/>),
    /// to add to a host's configuration; <paramref name="extra"/> entries are added or override.
    /// </summary>
    public Dictionary<string, string?> Configuration(IEnumerable<KeyValuePair<string, string?>>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Quotes:Stooq:BaseUrl"] = BaseUrl,
            ["Quotes:AlphaVantage:BaseUrl"] = BaseUrl,
            ["Quotes:AlphaVantage:ApiKey"] = AlphaVantageKey,
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(deadline.Token);
        }

        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path is "/q/l/" or "/q/l")
        {
            // The behaviour in force when the request arrived answers it: a test woken by the count (Record) that
            // switches the behaviour changes the next request, not this one.
            var behaviour = Stooq.Behaviour;
            Stooq.Record(context.Request.QueryString.Value ?? string.Empty);
            return AnswerStooqAsync(context, behaviour);
        }

        if (path == "/query")
        {
            var behaviour = AlphaVantage.Behaviour;
            AlphaVantage.Record(context.Request.QueryString.Value ?? string.Empty);
            return AnswerAlphaVantageAsync(context, behaviour);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private async Task AnswerStooqAsync(HttpContext context, QuoteBehaviour behaviour)
    {
        var symbol = context.Request.Query["s"].ToString().ToUpperInvariant();
        var row = _prices.TryGetValue(symbol, out var price)
            ? string.Create(CultureInfo.InvariantCulture, $"{symbol},2026-11-27,22:00:09,{price},{price},{price},{price},51234567")
            : $"{symbol},N/D,N/D,N/D,N/D,N/D,N/D,N/D";
        var csv = $"Symbol,Date,Time,Open,High,Low,Close,Volume\r\n{row}\r\n";
        switch (behaviour)
        {
            case QuoteBehaviour.Quote:
                await WriteAsync(context, "text/csv", csv);
                break;
            case QuoteBehaviour.UnknownSymbol:
                await WriteAsync(context, "text/csv", $"Symbol,Date,Time,Open,High,Low,Close,Volume\r\n{symbol},N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n");
                break;
            case QuoteBehaviour.Truncated:
                await WriteAsync(context, "text/csv", $"Symbol,Date,Time,Open,High,Low,Close,Volume\r\n{symbol},2026-11-27,22:0");
                break;
            case QuoteBehaviour.Oversized:
                await WriteOversizedAsync(context, "text/csv", csv, '\n');
                break;
            case QuoteBehaviour.LimitReached:
                await WriteAsync(context, "text/plain", "Exceeded the daily hits limit");
                break;
            case QuoteBehaviour.Slow:
                if (await WaitSlowAsync(context))
                {
                    await WriteAsync(context, "text/csv", csv);
                }

                break;
            default:
                await AnswerCommonAsync(context, Stooq, behaviour);
                break;
        }
    }

    private async Task AnswerAlphaVantageAsync(HttpContext context, QuoteBehaviour behaviour)
    {
        var ticker = context.Request.Query["symbol"].ToString().ToUpperInvariant();
        var quote = _prices.TryGetValue(ticker + ".US", out var price)
            ? string.Create(CultureInfo.InvariantCulture,
                $$$"""{"Global Quote": {"01. symbol": "{{{ticker}}}", "02. open": "{{{price:F4}}}", "05. price": "{{{price:F4}}}", "06. volume": "51234567", "07. latest trading day": "2026-11-27"}}""")
            : """{"Global Quote": {}}""";
        if (context.Request.Query["function"] != "GLOBAL_QUOTE")
        {
            await WriteAsync(context, "application/json", """{"Error Message": "Invalid API call."}""");
            return;
        }

        switch (behaviour)
        {
            case QuoteBehaviour.Quote:
                await WriteAsync(context, "application/json", quote);
                break;
            case QuoteBehaviour.UnknownSymbol:
                await WriteAsync(context, "application/json", """{"Global Quote": {}}""");
                break;
            case QuoteBehaviour.Truncated:
                await WriteAsync(context, "application/json", $$"""{"Global Quote": {"01. symbol": "{{ticker}}", "05. pri""");
                break;
            case QuoteBehaviour.Oversized:
                await WriteOversizedAsync(context, "application/json", quote, ' ');
                break;
            case QuoteBehaviour.LimitReached:
                await WriteAsync(context, "application/json",
                    """{"Note": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day."}""");
                break;
            case QuoteBehaviour.Slow:
                if (await WaitSlowAsync(context))
                {
                    await WriteAsync(context, "application/json", quote);
                }

                break;
            default:
                await AnswerCommonAsync(context, AlphaVantage, behaviour);
                break;
        }
    }

    private static async Task AnswerCommonAsync(HttpContext context, FakeQuoteEndpoint endpoint, QuoteBehaviour behaviour)
    {
        switch (behaviour)
        {
            case QuoteBehaviour.Html:
                await WriteAsync(context, "text/html; charset=utf-8", HtmlPage);
                break;
            case QuoteBehaviour.ServerError:
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await WriteAsync(context, "text/plain", "Internal Server Error");
                break;
            case QuoteBehaviour.Unavailable:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await WriteAsync(context, "text/html", HtmlPage);
                break;
            case QuoteBehaviour.TooManyRequests:
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (endpoint.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter;
                }

                break;
            case QuoteBehaviour.Garbage:
                context.Response.ContentType = "application/octet-stream";
                await context.Response.Body.WriteAsync(new byte[] { 0xFF, 0xFE, 0x00, 0x9C, 0x80, 0xC3, 0x28, 0x1F, 0xA0, 0xA1 });
                break;
            case QuoteBehaviour.Disconnect:
                context.Response.ContentType = "text/csv";
                context.Response.ContentLength = 4096;
                await context.Response.Body.WriteAsync("Symbol,Date,Time,Open,High,Low,Close,Volume\r\n"u8.ToArray());
                await context.Response.Body.FlushAsync();
                context.Abort();
                break;
            default:
                throw new InvalidOperationException($"No answer for {behaviour}");
        }
    }

    /// <summary>False when the client went away or the server is stopping (the connection is then dropped).</summary>
    private async Task<bool> WaitSlowAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(SlowDelay, linked.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return false;
        }
    }

    private static Task WriteAsync(HttpContext context, string contentType, string body)
    {
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body);
    }

    private static async Task WriteOversizedAsync(HttpContext context, string contentType, string body, char padding)
    {
        context.Response.ContentType = contentType;
        await context.Response.Body.FlushAsync(); // headers out without a Content-Length: chunked
        await context.Response.WriteAsync(body);
        var chunk = Encoding.ASCII.GetBytes(new string(padding, 8192));
        for (var written = body.Length; written < OversizedBytes; written += chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk);
        }
    }
}
