namespace Chattorum.LoadTest;

/// <summary>Unsigned decimal numbers in UTF-8, without culture, signs or white space.</summary>
internal static class Digits
{
    // 18 digits always fit in a long.
    private const int MaxDigits = 18;

    public static bool TryParse(ReadOnlySpan<byte> utf8, out long value)
    {
        value = 0;
        if (utf8.IsEmpty || utf8.Length > MaxDigits)
        {
            return false;
        }

        foreach (var b in utf8)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    /// <summary>Reads the number before the next <paramref name="terminator"/> and moves past both.</summary>
    public static bool TryRead(ref ReadOnlySpan<byte> utf8, byte terminator, out long value)
    {
        var end = utf8.IndexOf(terminator);
        if (end < 0 || !TryParse(utf8[..end], out value))
        {
            value = 0;
            return false;
        }

        utf8 = utf8[(end + 1)..];
        return true;
    }
}
