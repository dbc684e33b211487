using System.Globalization;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// The <c>Retry-After</c> header (RFC 9110 §10.2.3): either delta-seconds (<c>120</c>, digits only) or an HTTP-date
/// (§5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept). A date in the past
/// means "now" (zero); anything else is garbage and yields null, so the caller uses its documented default.
/// </summary>
public static class RetryAfter
{
    /// <summary>Longer delta-seconds than this (a day) are treated as this: nothing waits that long anyway.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    private const int MaxDigits = 10;

    private static readonly string[] HttpDateFormats =
    [
        "ddd, dd MMM yyyy HH:mm:ss 'GMT'", // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        "dddd, dd-MMM-yy HH:mm:ss 'GMT'", // obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        "ddd MMM d HH:mm:ss yyyy", // asctime: Sun Nov  6 08:49:37 1994 (day padded with a space)
    ];

    /// <param name="value">The header's value; null when the response had none.</param>
    /// <param name="now">The time the response arrived, for an HTTP-date.</param>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (char.IsAsciiDigit(text[0]))
        {
            // delta-seconds = 1*DIGIT: no sign, no fraction, no spaces inside.
            if (text.Length > MaxDigits || !text.All(char.IsAsciiDigit))
            {
                return text.All(char.IsAsciiDigit) ? Longest : null;
            }

            var seconds = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            return seconds >= Longest.TotalSeconds ? Longest : TimeSpan.FromSeconds(seconds);
        }

        // asctime pads a one-digit day with a space; collapse runs of spaces so one format fits both.
        var date = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (!DateTime.TryParseExact(date, HttpDateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return null;
        }

        var wait = new DateTimeOffset(at, TimeSpan.Zero) - now;
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > Longest ? Longest : wait;
    }
}
