namespace Chattorum.StockBot.Quotes;

/// <summary>The configuration section <c>Quotes</c>.</summary>
public sealed class QuotesOptions
{
    public const string SectionName = "Quotes";

    /// <summary>The providers asked when <see cref="Providers"/> is not configured, in this order.</summary>
    public static readonly IReadOnlyList<string> DefaultProviders = [StooqQuoteProvider.ProviderName, AlphaVantageQuoteProvider.ProviderName];

    /// <summary>
    /// <c>Quotes:Providers</c>: the providers to ask, in order (names of <see cref="IQuoteProvider.Name"/>).
    /// Empty or absent means <see cref="DefaultProviders"/>.
    /// </summary>
    public List<string> Providers { get; set; } = [];

    public StooqOptions Stooq { get; set; } = new();

    public AlphaVantageOptions AlphaVantage { get; set; } = new();

    public QuoteResilienceOptions Resilience { get; set; } = new();

    public QuoteRateLimitOptions RateLimit { get; set; } = new();

    /// <summary><c>Quotes:MaxResponseBytes</c>: a bigger response body is a provider failure.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024;

    public IReadOnlyList<string> EffectiveProviders => Providers.Count > 0 ? Providers : DefaultProviders;
}

public sealed class StooqOptions
{
    /// <summary><c>Quotes:Stooq:BaseUrl</c>.</summary>
    public string BaseUrl { get; set; } = "https://stooq.com";

    /// <summary><c>Quotes:Stooq:ApiKey</c>: sent as <c>apikey</c> when set.</summary>
    public string? ApiKey { get; set; }
}

public sealed class AlphaVantageOptions
{
    /// <summary><c>Quotes:AlphaVantage:BaseUrl</c>.</summary>
    public string BaseUrl { get; set; } = "https://www.alphavantage.co";

    /// <summary><c>Quotes:AlphaVantage:ApiKey</c>: without it the provider is skipped.</summary>
    public string? ApiKey { get; set; }
}

/// <summary><c>Quotes:Resilience</c>: one pipeline of these strategies per provider, and one deadline over all of them.</summary>
public sealed class QuoteResilienceOptions
{
    /// <summary>
    /// The whole answer (every provider, every attempt and retry) is cut after this long and the room hears that quotes
    /// are unavailable. 4 s leaves a second for the reply's way through RabbitMQ and the chat (measured at 0.4 s on a
    /// busy two-core machine), so that the room hears an answer within 5 s even when every provider hangs.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Each attempt (request and body) is cancelled after this long.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries after the first attempt, on transient failures only; 0 turns retries off.</summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Median delay before the first retry; exponential backoff with jitter after it. Zero retries at once.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The circuit opens when at least this share of the attempts in the window failed...</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>...and at least this many attempts were made in it (2 or more).</summary>
    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit skips its provider before one trial request (half-open).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// <c>Quotes:RateLimit</c>: what happens when a provider answers HTTP 429. The request waits in the bot's delay queue
/// (<c>chattorum.bot.stock.wait</c>) until the limit clears, instead of failing.
/// </summary>
public sealed class QuoteRateLimitOptions
{
    /// <summary>How long to wait when a 429 comes without a usable <c>Retry-After</c>.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The longest a request waits in all, from when the bot first saw it: the last try is made then, and if the
    /// provider still rate-limits us the room hears that the bot gave up.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A wait longer than this gets one short notice in the room ("answer in about 20 s").</summary>
    public TimeSpan NoticeAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>No wait is shorter than this, so a provider that says <c>Retry-After: 0</c> is not asked in a tight loop.</summary>
    public TimeSpan MinimumWait { get; set; } = TimeSpan.FromSeconds(1);
}
