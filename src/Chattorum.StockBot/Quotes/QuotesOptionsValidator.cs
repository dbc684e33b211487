using Microsoft.Extensions.Options;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// Rejects a configuration the pipelines or providers could not work with, at start. Provider names are checked
/// against the registered providers when <see cref="StockQuotes"/> is built.
/// </summary>
internal sealed class QuotesOptionsValidator : IValidateOptions<QuotesOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotesOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in options.EffectiveProviders)
        {
            if (string.IsNullOrWhiteSpace(provider) || !seen.Add(provider))
            {
                errors.Add($"Quotes:Providers names '{provider}' twice or is blank");
            }
        }

        CheckUrl(options.Stooq.BaseUrl, "Quotes:Stooq:BaseUrl", errors);
        CheckUrl(options.AlphaVantage.BaseUrl, "Quotes:AlphaVantage:BaseUrl", errors);
        if (options.MaxResponseBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add("Quotes:MaxResponseBytes must be between 1 KiB and 16 MiB");
        }

        var r = options.Resilience;
        if (r.AttemptTimeout <= TimeSpan.FromMilliseconds(10) || r.AttemptTimeout >= TimeSpan.FromHours(1))
        {
            errors.Add("Quotes:Resilience:AttemptTimeout must be more than 10 ms and less than an hour");
        }

        if (r.MaxRetryAttempts is < 0 or > 10)
        {
            errors.Add("Quotes:Resilience:MaxRetryAttempts must be between 0 and 10");
        }

        if (r.RetryDelay < TimeSpan.Zero || r.MaxRetryDelay < r.RetryDelay || r.MaxRetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add("Quotes:Resilience:RetryDelay must not be negative, nor above MaxRetryDelay (at most a minute)");
        }

        if (r.FailureRatio is <= 0 or > 1)
        {
            errors.Add("Quotes:Resilience:FailureRatio must be above 0 and at most 1");
        }

        if (r.MinimumThroughput < 2)
        {
            errors.Add("Quotes:Resilience:MinimumThroughput must be 2 or more");
        }

        if (r.SamplingDuration <= TimeSpan.FromMilliseconds(500) || r.BreakDuration <= TimeSpan.FromMilliseconds(500))
        {
            errors.Add("Quotes:Resilience:SamplingDuration and BreakDuration must be more than 0.5 s");
        }

        if (r.Deadline <= TimeSpan.FromMilliseconds(100) || r.Deadline > TimeSpan.FromMinutes(1))
        {
            errors.Add("Quotes:Resilience:Deadline must be more than 100 ms and at most a minute");
        }

        var limit = options.RateLimit;
        if (limit.MinimumWait < TimeSpan.FromMilliseconds(100) || limit.DefaultRetryAfter < limit.MinimumWait || limit.MaxWait < limit.DefaultRetryAfter
            || limit.MaxWait > TimeSpan.FromDays(1))
        {
            errors.Add("Quotes:RateLimit: MinimumWait (at least 100 ms) <= DefaultRetryAfter <= MaxWait (at most a day) must hold");
        }

        if (limit.NoticeAfter < TimeSpan.Zero)
        {
            errors.Add("Quotes:RateLimit:NoticeAfter must not be negative");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUrl(string? url, string key, List<string> errors)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add($"{key} must be an absolute http(s) URL without query");
        }
    }
}
