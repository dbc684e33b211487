namespace Chattorum.Tests.Integration.Support;

public static class StreamAssert
{
    /// <summary>
    /// The reader saw the room's stream from its first message through the one with <paramref name="lastText"/>,
    /// each once and in order. Messages stored after that one (a send still in flight when it was posted) are
    /// the reader's to read later, not missing.
    /// </summary>
    public static void SawTheStreamUpTo(IReadOnlyList<StackExchange.Redis.StreamEntry> stored, ResumingClient reader, string lastText)
    {
        Assert.NotEmpty(reader.Ids);
        var ids = stored.Select(e => e.Id.ToString()).ToList();
        var start = ids.IndexOf(reader.Ids[0]);
        Assert.True(start >= 0, $"{reader.Name}'s first id {reader.Ids[0]} is not in the stream");
        var end = start;
        while (end < stored.Count && stored[end]["t"] != lastText)
        {
            end++;
        }

        Assert.True(end < stored.Count, $"'{lastText}' is not in the stream after {reader.Name}'s first id");
        SawTheStream(ids[start..(end + 1)], reader);
    }

    /// <summary>The reader saw exactly the stream from its first message on; if not, says what it missed, gained or swapped.</summary>
    public static void SawTheStream(List<string> expected, ResumingClient reader)
    {
        var seen = reader.Ids.ToList();
        if (expected.SequenceEqual(seen))
        {
            return;
        }

        var at = expected.Zip(seen).TakeWhile(p => p.First == p.Second).Count();
        Assert.Fail(
            $"{reader.Name} diverged from the stream at {at} of {expected.Count}: expected {expected.ElementAtOrDefault(at)}, got {seen.ElementAtOrDefault(at)}; " +
            $"missing [{string.Join(", ", expected.Except(seen))}], not in the stream [{string.Join(", ", seen.Except(expected))}], " +
            $"seen twice [{string.Join(", ", seen.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key))}]");
    }
}
