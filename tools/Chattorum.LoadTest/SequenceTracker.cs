namespace Chattorum.LoadTest;

internal enum SequenceOutcome
{
    InOrder,
    Reordered,
    Duplicate,
}

/// <summary>What one receiver got of one sender's sequence numbers.</summary>
internal sealed class SequenceTracker
{
    private readonly SeqSet _seen = new();
    private long _highest;

    public long Duplicates { get; private set; }

    /// <summary>New numbers below the highest already seen.</summary>
    public long Reordered { get; private set; }

    public long Distinct => _seen.Count;

    public SequenceOutcome Add(long seq)
    {
        if (!_seen.Add(seq))
        {
            Duplicates++;
            return SequenceOutcome.Duplicate;
        }

        if (seq < _highest)
        {
            Reordered++;
            return SequenceOutcome.Reordered;
        }

        _highest = seq;
        return SequenceOutcome.InOrder;
    }

    /// <summary>Acknowledged numbers this receiver never got.</summary>
    public long CountLost(SeqSet acked) => _seen.CountMissingFrom(acked);

    public long? FirstLost(SeqSet acked) => _seen.FirstMissingFrom(acked);
}
