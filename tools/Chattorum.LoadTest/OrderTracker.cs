namespace Chattorum.LoadTest;

/// <summary>
/// The order one receiver saw its room's messages in: ids must strictly grow, and a running hash of them in
/// arrival order lets receivers of the same room compare their whole sequences at the end. A server that gives
/// no ids (gorilla) has its messages hashed by (sender, seq) instead: only the comparison across receivers is left.
/// </summary>
internal sealed class OrderTracker
{
    private const ulong HashStart = 14695981039346656037;
    private const ulong HashMultiplier = 1099511628211;

    private MessageId _last;

    public ulong Hash { get; private set; } = HashStart;

    public long Count { get; private set; }

    /// <summary>Ids not above the one before them.</summary>
    public long Regressions { get; private set; }

    public void Add(MessageId id)
    {
        if (Count > 0 && id <= _last)
        {
            Regressions++;
        }

        _last = id;
        Count++;
        Hash = (Hash * HashMultiplier) + Mix((ulong)id.Milliseconds);
        Hash = (Hash * HashMultiplier) + Mix((ulong)id.Sequence);
    }

    /// <summary>A message without a server id, known by its sender and sequence number: hashed, not checked for growth.</summary>
    public void AddUnnumbered(int sender, long seq)
    {
        Count++;
        Hash = (Hash * HashMultiplier) + Mix((ulong)sender);
        Hash = (Hash * HashMultiplier) + Mix((ulong)seq);
    }

    // SplitMix64's finalizer: nearby ids give unrelated values.
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}

internal readonly record struct ReceivedOrder(int Room, long Count, ulong Hash);

internal static class OrderCheck
{
    /// <summary>
    /// Receivers of one room that got the same number of messages must have got them in the same order:
    /// in each such group, those whose hash differs from the most common one are mismatches.
    /// </summary>
    public static int CountMismatches(IEnumerable<ReceivedOrder> receivers) =>
        receivers
            .GroupBy(r => (r.Room, r.Count))
            .Sum(group => group.Count() - group.GroupBy(r => r.Hash).Max(sameHash => sameHash.Count()));
}
