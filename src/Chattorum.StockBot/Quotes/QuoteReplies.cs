using System.Globalization;

namespace Chattorum.StockBot.Quotes;

/// <summary>Every text the bot answers a <c>/stock=</c> command with.</summary>
public static class QuoteReplies
{
    /// <summary>The command came without a symbol.</summary>
    public const string Usage = "Usage: /stock=AAPL (a stock symbol; add a market such as .UK for stocks outside the US)";

    /// <summary>The argument is not a symbol (see <see cref="StockSymbol"/>).</summary>
    public const string BadSymbol =
        "That is not a stock symbol: use up to 12 letters, digits or '-', optionally with a market such as .US or .UK, e.g. /stock=AAPL";

    /// <summary>Every provider that could answer failed.</summary>
    public const string Unavailable = "Stock quotes are unavailable right now; try again in a minute";

    /// <summary>Every provider that could answer has its circuit open: answered at once, no provider asked.</summary>
    public const string TemporarilyUnavailable = "Stock quotes are temporarily unavailable after repeated provider failures; try again in a minute";

    /// <summary>The providers that could answer are rate-limiting us (only seen by callers that do not queue the request).</summary>
    public const string RateLimited = "Stock quotes are rate-limited right now; try again in a minute";

    /// <summary>The one notice a room gets when a request will wait longer than <c>Quotes:RateLimit:NoticeAfter</c>.</summary>
    public static string RateLimitNotice(string? argument, TimeSpan wait) =>
        string.Create(CultureInfo.InvariantCulture, $"{Label(argument)}: the quote service is rate-limiting us, answer in about {WholeSeconds(wait)} s");

    /// <summary>The answer when a request waited <c>Quotes:RateLimit:MaxWait</c> and the provider still limits us.</summary>
    public static string GaveUp(string? argument, TimeSpan waited) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Label(argument)}: the quote service kept rate-limiting us for {WholeSeconds(waited)} s, so I gave up; try again later");

    /// <summary>
    /// How a notice names the request: the ticker for a US symbol (<c>AAPL</c>), the symbol with its market otherwise
    /// (<c>VOD.UK</c>), and the command itself for an argument that is not a symbol (it waits in order like the others).
    /// </summary>
    public static string Label(string? argument) =>
        !StockSymbol.TryNormalize(argument, out var symbol) ? "/stock"
        : StockSymbol.Market(symbol) == StockSymbol.DefaultMarket ? StockSymbol.Ticker(symbol)
        : symbol;

    /// <summary>Rounded up: "about 20 s" must not promise an answer before it can come.</summary>
    private static long WholeSeconds(TimeSpan span) => (long)Math.Ceiling(Math.Max(0, span.TotalSeconds));

    public static string UnknownSymbol(string symbol) => $"I don't know the stock symbol {symbol}";

    /// <summary><c>AAPL.US quote is $93.42 per share</c>.</summary>
    public static string Quote(string symbol, decimal price) =>
        string.Create(CultureInfo.InvariantCulture, $"{symbol} quote is ${FormatPrice(price)} per share");

    /// <summary>Invariant culture, no grouping, at least two decimals, more only when the price has them: 93.4 -> 93.40, 0.0012 -> 0.0012.</summary>
    public static string FormatPrice(decimal price) => price.ToString("0.00##########", CultureInfo.InvariantCulture);
}
