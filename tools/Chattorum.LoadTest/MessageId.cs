namespace Chattorum.LoadTest;

/// <summary>A message's Redis stream id, <c>milliseconds-sequence</c>, compared numerically.</summary>
internal readonly record struct MessageId(long Milliseconds, long Sequence) : IComparable<MessageId>
{
    public int CompareTo(MessageId other)
    {
        var byTime = Milliseconds.CompareTo(other.Milliseconds);
        return byTime != 0 ? byTime : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(MessageId left, MessageId right) => left.CompareTo(right) < 0;

    public static bool operator >(MessageId left, MessageId right) => left.CompareTo(right) > 0;

    public static bool operator <=(MessageId left, MessageId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(MessageId left, MessageId right) => left.CompareTo(right) >= 0;

    public static bool TryParse(ReadOnlySpan<byte> utf8, out MessageId id)
    {
        id = default;
        var dash = utf8.IndexOf((byte)'-');
        if (dash < 0 || !Digits.TryParse(utf8[..dash], out var milliseconds) || !Digits.TryParse(utf8[(dash + 1)..], out var sequence))
        {
            return false;
        }

        id = new MessageId(milliseconds, sequence);
        return true;
    }

    public override string ToString() => $"{Milliseconds}-{Sequence}";
}
