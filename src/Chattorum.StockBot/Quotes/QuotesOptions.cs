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

/// <summary><c>Quotes:Resilience</c>: one pipeline of these strategies per provider.</summary>
public sealed class QuoteResilienceOptions
{
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
