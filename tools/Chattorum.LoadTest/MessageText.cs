using System.Globalization;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// The text of a load-test message: <c>#&lt;runid&gt;:&lt;sender&gt;:&lt;seq&gt;:&lt;Stopwatch timestamp&gt;:</c> padded
/// with <c>x</c> to the message size. The run marker <c>#&lt;runid&gt;:</c> tells this run's messages from any other's.
/// </summary>
internal static class MessageText
{
    public static byte[] RunMarker(string runId) => Encoding.ASCII.GetBytes($"#{runId}:");

    /// <summary>Longest header: the marker, then up to 10 + 19 + 19 digits and 3 colons.</summary>
    public static int MaxLength(ReadOnlySpan<byte> marker, int size) => Math.Max(size, marker.Length + 51);

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> marker, int sender, long seq, long timestamp, int size)
    {
        marker.CopyTo(destination);
        var length = marker.Length;
        length += WriteNumber(destination[length..], sender);
        destination[length++] = (byte)':';
        length += WriteNumber(destination[length..], seq);
        destination[length++] = (byte)':';
        length += WriteNumber(destination[length..], timestamp);
        destination[length++] = (byte)':';
        if (length < size)
        {
            destination[length..size].Fill((byte)'x');
            length = size;
        }

        return length;
    }

    /// <summary>Reads a text that starts with this run's marker.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, ReadOnlySpan<byte> marker, out int sender, out long seq, out long timestamp)
    {
        sender = 0;
        seq = timestamp = 0;
        if (!text.StartsWith(marker))
        {
            return false;
        }

        var rest = text[marker.Length..];
        if (!Digits.TryRead(ref rest, (byte)':', out var senderNumber) || senderNumber > int.MaxValue ||
            !Digits.TryRead(ref rest, (byte)':', out seq) ||
            !Digits.TryRead(ref rest, (byte)':', out timestamp))
        {
            return false;
        }

        sender = (int)senderNumber;
        return true;
    }

    private static int WriteNumber(Span<byte> destination, long value) =>
        value.TryFormat(destination, out var written, provider: CultureInfo.InvariantCulture)
            ? written
            : throw new ArgumentException("the message buffer is too small", nameof(destination));
}
