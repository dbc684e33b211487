using System.Numerics;

namespace Chattorum.LoadTest;

/// <summary>A growable bit set of sequence numbers (from 1). One thread writes it; <see cref="Count"/> may be read from any.</summary>
internal sealed class SeqSet
{
    // Sequence numbers beyond this are not ones this tool sent: a 256 MiB bit set is the most it grows to.
    public const long MaxSeq = (1L << 31) - 1;

    private ulong[] _words = new ulong[4];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    public static bool IsValid(long seq) => seq is >= 1 and <= MaxSeq;

    /// <summary>Adds the number; false when it was already there.</summary>
    public bool Add(long seq)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seq, MaxSeq);
        var word = (int)(seq >> 6);
        if (word >= _words.Length)
        {
            Array.Resize(ref _words, Math.Max(word + 1, _words.Length * 2));
        }

        var bit = 1UL << (int)(seq & 63);
        if ((_words[word] & bit) != 0)
        {
            return false;
        }

        _words[word] |= bit;
        Volatile.Write(ref _count, _count + 1);
        return true;
    }

    public bool Contains(long seq)
    {
        var word = seq >> 6;
        return seq >= 1 && word < _words.Length && (_words[word] & (1UL << (int)(seq & 63))) != 0;
    }

    /// <summary>How many numbers of <paramref name="expected"/> this set lacks.</summary>
    public long CountMissingFrom(SeqSet expected)
    {
        long missing = 0;
        for (var i = 0; i < expected._words.Length; i++)
        {
            var have = i < _words.Length ? _words[i] : 0;
            missing += BitOperations.PopCount(expected._words[i] & ~have);
        }

        return missing;
    }

    /// <summary>The lowest number of <paramref name="expected"/> this set lacks, if any.</summary>
    public long? FirstMissingFrom(SeqSet expected)
    {
        for (var i = 0; i < expected._words.Length; i++)
        {
            var missing = expected._words[i] & ~(i < _words.Length ? _words[i] : 0);
            if (missing != 0)
            {
                return ((long)i << 6) + BitOperations.TrailingZeroCount(missing);
            }
        }

        return null;
    }
}
