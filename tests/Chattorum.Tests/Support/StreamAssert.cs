namespace Chattorum.Tests.Support;

public static class StreamAssert
{
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
