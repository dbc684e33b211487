using System.Diagnostics.CodeAnalysis;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The one rule for stock symbols: a ticker of ASCII letters, digits and single inner hyphens, at most
/// <see cref="MaxTickerLength"/> characters, optionally followed by a market suffix (a dot and two letters).
/// No suffix means <see cref="DefaultMarket"/>. The normal form is upper case with the suffix:
/// <c>aapl</c> -> <c>AAPL.US</c>, <c>brk-b</c> -> <c>BRK-B.US</c>, <c>vod.uk</c> -> <c>VOD.UK</c>.
/// </summary>
public static class StockSymbol
{
    public const int MaxTickerLength = 12;
    public const string DefaultMarket = "US";

    /// <summary>Surrounding whitespace is ignored; anything else outside the rule is rejected.</summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? symbol)
    {
        symbol = null;
        if (input is null || input.Length > 4 * MaxTickerLength)
        {
            return false;
        }

        var text = input.AsSpan().Trim();
        var ticker = text;
        ReadOnlySpan<char> market = DefaultMarket;
        var dot = text.IndexOf('.');
        if (dot >= 0)
        {
            if (dot != text.Length - 3 || !char.IsAsciiLetter(text[^2]) || !char.IsAsciiLetter(text[^1]))
            {
                return false;
            }

            ticker = text[..dot];
            market = text[(dot + 1)..];
        }

        if (!IsTicker(ticker))
        {
            return false;
        }

        symbol = string.Concat(ticker, ".", market).ToUpperInvariant();
        return true;
    }

    /// <summary>The ticker without its market (<c>AAPL.US</c> -> <c>AAPL</c>) of a normalised symbol.</summary>
    public static string Ticker(string normalized) => normalized[..^3];

    /// <summary>The market (<c>AAPL.US</c> -> <c>US</c>) of a normalised symbol.</summary>
    public static string Market(string normalized) => normalized[^2..];

    private static bool IsTicker(ReadOnlySpan<char> ticker)
    {
        if (ticker.IsEmpty || ticker.Length > MaxTickerLength
            || !char.IsAsciiLetterOrDigit(ticker[0]) || !char.IsAsciiLetterOrDigit(ticker[^1]))
        {
            return false;
        }

        for (var i = 1; i < ticker.Length - 1; i++)
        {
            var c = ticker[i];
            if (!char.IsAsciiLetterOrDigit(c) && (c != '-' || ticker[i + 1] == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
