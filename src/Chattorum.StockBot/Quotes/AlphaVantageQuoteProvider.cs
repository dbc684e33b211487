using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Chattorum.StockBot.Quotes;

/// <summary>Alpha Vantage's <c>GLOBAL_QUOTE</c>: needs an API key and covers US symbols only.</summary>
internal sealed class AlphaVantageQuoteProvider(IHttpClientFactory httpClients, IOptions<QuotesOptions> options, TimeProvider time) : IQuoteProvider
{
    public const string ProviderName = "alphavantage";
    public const string HttpClientName = "Chattorum.Quotes.AlphaVantage";

    public string Name => ProviderName;

    public bool CanQuote(string symbol, [NotNullWhen(false)] out string? reason)
    {
        reason = string.IsNullOrEmpty(options.Value.AlphaVantage.ApiKey) ? "no API key configured"
            : StockSymbol.Market(symbol) != StockSymbol.DefaultMarket ? "covers US symbols only"
            : null;
        return reason is null;
    }

    public async Task<QuoteResult> GetQuoteAsync(string symbol, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!CanQuote(symbol, out var reason))
        {
            return QuoteResult.Fail(reason);
        }

        var ticker = StockSymbol.Ticker(symbol);
        var uri = AlphaVantageJson.RequestUri(settings.AlphaVantage.BaseUrl, ticker, settings.AlphaVantage.ApiKey!);
        var body = await QuoteHttp.GetTextAsync(httpClients.CreateClient(HttpClientName), uri, "application/json", settings.MaxResponseBytes, cancellationToken, time)
            .ConfigureAwait(false);
        return body.Failure ?? AlphaVantageJson.Parse(body.Text!, ticker);
    }
}
