using System.Globalization;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// Reads the one RESP reply the tool asks Redis for, a bulk string: <c>$&lt;length&gt;\r\n&lt;bytes&gt;\r\n</c>;
/// an error reply (<c>-NOAUTH ...</c>) or any other type is refused with what Redis said.
/// </summary>
internal static class RespReply
{
    /// <summary>False while <paramref name="buffer"/> does not hold the whole reply yet.</summary>
    public static bool TryReadBulkString(ReadOnlySpan<byte> buffer, out string? value)
    {
        value = null;
        var lineEnd = buffer.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var header = Encoding.UTF8.GetString(buffer[..lineEnd]);
        if (header.StartsWith('-'))
        {
            throw new InvalidOperationException($"Redis answered: {header[1..]}");
        }

        if (!header.StartsWith('$') || !int.TryParse(header.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var length) || length < -1)
        {
            throw new InvalidOperationException($"Redis answered with something other than a bulk string: '{header[..Math.Min(header.Length, 100)]}'");
        }

        if (length == -1)
        {
            throw new InvalidOperationException("Redis answered with a null bulk string");
        }

        var body = buffer[(lineEnd + 2)..];
        if (body.Length < length + 2)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(body[..length]);
        return true;
    }
}
