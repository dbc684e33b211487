using System.Text.Json;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The Alpha Vantage <c>GLOBAL_QUOTE</c> answer: <c>{"Global Quote": {"01. symbol": "AAPL", "05. price": "93.4200"}}</c>.
/// An empty <c>"Global Quote"</c> means an unknown symbol; <c>Note</c>/<c>Information</c> (rate limit, key problem),
/// <c>Error Message</c> and anything malformed are failures.
/// </summary>
internal static class AlphaVantageJson
{
    private const string GlobalQuote = "Global Quote";
    private const string SymbolField = "01. symbol";
    private const string PriceField = "05. price";
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };

    public static Uri RequestUri(string baseUrl, string ticker, string apiKey) =>
        new($"{baseUrl.TrimEnd('/')}/query?function=GLOBAL_QUOTE&symbol={Uri.EscapeDataString(ticker)}&apikey={Uri.EscapeDataString(apiKey)}");

    /// <param name="ticker">The symbol asked for, without market (<c>AAPL</c>).</param>
    public static QuoteResult Parse(string body, string ticker)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException)
        {
            return QuoteResult.Fail("not JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return QuoteResult.Fail("JSON that is not an object");
            }

            if (root.TryGetProperty("Note", out _) || root.TryGetProperty("Information", out _))
            {
                return QuoteResult.Fail("rate limit or API key notice");
            }

            if (root.TryGetProperty("Error Message", out _))
            {
                return QuoteResult.Fail("error message");
            }

            if (!root.TryGetProperty(GlobalQuote, out var quote) || quote.ValueKind != JsonValueKind.Object)
            {
                return QuoteResult.Fail("no Global Quote object");
            }

            if (!quote.EnumerateObject().Any())
            {
                return QuoteResult.Unknown;
            }

            if (!quote.TryGetProperty(SymbolField, out var symbol) || symbol.ValueKind != JsonValueKind.String
                || !string.Equals(symbol.GetString(), ticker, StringComparison.OrdinalIgnoreCase))
            {
                return QuoteResult.Fail("Global Quote for another or no symbol");
            }

            if (!quote.TryGetProperty(PriceField, out var price) || price.ValueKind != JsonValueKind.String
                || !StooqCsv.TryParsePrice(price.GetString()!, out var value))
            {
                return QuoteResult.Fail("Global Quote without a positive price");
            }

            return QuoteResult.Found(value);
        }
    }
}
