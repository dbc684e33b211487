using System.Globalization;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The stooq CSV quote (<c>f=sd2t2ohlcv&amp;h&amp;e=csv</c>): the header line, then exactly one row for the symbol
/// asked. Anything else (an HTML proof-of-work page with HTTP 200, another header, a cut or extra row, a number
/// not in invariant form) is a failure, never a quote.
/// </summary>
internal static class StooqCsv
{
    public const string Header = "Symbol,Date,Time,Open,High,Low,Close,Volume";
    private const string NoData = "N/D";
    private const int Fields = 8;

    public static Uri RequestUri(string baseUrl, string symbol, string? apiKey)
    {
        var uri = $"{baseUrl.TrimEnd('/')}/q/l/?s={Uri.EscapeDataString(symbol.ToLowerInvariant())}&f=sd2t2ohlcv&h&e=csv";
        return new Uri(string.IsNullOrEmpty(apiKey) ? uri : $"{uri}&apikey={Uri.EscapeDataString(apiKey)}");
    }

    /// <param name="symbol">The normalised symbol asked for (<c>AAPL.US</c>).</param>
    public static QuoteResult Parse(string body, string symbol)
    {
        var lines = body.TrimStart('\uFEFF').Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0)
            .ToList();
        if (lines.Count == 0)
        {
            return QuoteResult.Fail("empty response");
        }

        if (!string.Equals(lines[0], Header, StringComparison.Ordinal))
        {
            return QuoteResult.Fail(lines[0].StartsWith('<') ? "HTML instead of CSV" : "not the expected CSV header");
        }

        if (lines.Count != 2)
        {
            return QuoteResult.Fail(lines.Count == 1 ? "no data row" : "more than one data row");
        }

        var fields = lines[1].Split(',');
        if (fields.Length != Fields)
        {
            return QuoteResult.Fail($"data row with {fields.Length} fields instead of {Fields}");
        }

        if (!string.Equals(fields[0], symbol, StringComparison.OrdinalIgnoreCase))
        {
            return QuoteResult.Fail("data row for another symbol");
        }

        if (fields.Skip(1).All(field => field == NoData))
        {
            return QuoteResult.Unknown;
        }

        if (!DateOnly.TryParseExact(fields[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            || !TimeOnly.TryParseExact(fields[2], "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return QuoteResult.Fail("data row without a valid date and time");
        }

        for (var i = 3; i <= 6; i++)
        {
            if (!TryParsePrice(fields[i], out _))
            {
                return QuoteResult.Fail("data row with a price that is not a positive number");
            }
        }

        if (fields[7] != NoData && !decimal.TryParse(fields[7], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
        {
            return QuoteResult.Fail("data row with a volume that is not a number");
        }

        TryParsePrice(fields[6], out var close);
        return QuoteResult.Found(close);
    }

    /// <summary>Digits with an optional decimal point, invariant culture only, greater than zero.</summary>
    internal static bool TryParsePrice(string text, out decimal price) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out price) && price > 0;
}
