using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Chattorum.StockBot.Quotes;

/// <summary>stooq's CSV quote; covers every market. The API key is sent when configured.</summary>
internal sealed class StooqQuoteProvider(IHttpClientFactory httpClients, IOptions<QuotesOptions> options, TimeProvider time) : IQuoteProvider
{
    public const string ProviderName = "stooq";
    public const string HttpClientName = "Chattorum.Quotes.Stooq";

    public string Name => ProviderName;

    public bool CanQuote(string symbol, [NotNullWhen(false)] out string? reason)
    {
        reason = null;
        return true;
    }

    public async Task<QuoteResult> GetQuoteAsync(string symbol, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var uri = StooqCsv.RequestUri(settings.Stooq.BaseUrl, symbol, settings.Stooq.ApiKey);
        var body = await QuoteHttp.GetTextAsync(httpClients.CreateClient(HttpClientName), uri, "text/csv", settings.MaxResponseBytes, cancellationToken, time)
            .ConfigureAwait(false);
        return body.Failure ?? StooqCsv.Parse(body.Text!, symbol);
    }
}
