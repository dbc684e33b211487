using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class SequenceTrackerTests
{
    /// <summary>"1,3-5" is 1, 3, 4, 5.</summary>
    private static IEnumerable<long> Numbers(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).SelectMany(part =>
        {
            var bounds = part.Split('-');
            var from = long.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
            var to = bounds.Length == 2 ? long.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : from;
            return Enumerable.Range(0, (int)(to - from + 1)).Select(i => from + i);
        });

    [Theory]
    [InlineData("1-5", "1-5", 0, 0, 0)]
    [InlineData("1,2,4,5", "1-5", 1, 0, 0)]
    [InlineData("", "1-3", 3, 0, 0)]
    [InlineData("1,3,2,4", "1-4", 0, 0, 1)]
    [InlineData("5,4,3,2,1", "1-5", 0, 0, 4)]
    [InlineData("1,2,2,3", "1-3", 0, 1, 0)]
    [InlineData("2,1,1,3,3,3", "1-3", 0, 3, 1)]
    [InlineData("1-6", "1-3", 0, 0, 0)]
    [InlineData("1,3", "1-3", 1, 0, 0)]
    [InlineData("1,200,64,65,63", "1-200", 195, 0, 3)]
    [InlineData("1,2,1000000", "1-2,1000000", 0, 0, 0)]
    [InlineData("1,1000000,2", "1-3,1000000", 1, 0, 1)]
    public void Counts_lost_duplicated_and_reordered_exactly(string received, string acked, long lost, long duplicated, long reordered)
    {
        var tracker = new SequenceTracker();
        foreach (var seq in Numbers(received))
        {
            tracker.Add(seq);
        }

        var ackedSet = new SeqSet();
        foreach (var seq in Numbers(acked))
        {
            ackedSet.Add(seq);
        }

        Assert.Equal((lost, duplicated, reordered), (tracker.CountLost(ackedSet), tracker.Duplicates, tracker.Reordered));
        Assert.Equal(Numbers(received).Distinct().Count(), tracker.Distinct);
    }

    [Fact]
    public void Says_what_each_number_was()
    {
        var tracker = new SequenceTracker();
        Assert.Equal(SequenceOutcome.InOrder, tracker.Add(2));
        Assert.Equal(SequenceOutcome.Reordered, tracker.Add(1));
        Assert.Equal(SequenceOutcome.Duplicate, tracker.Add(2));
        Assert.Equal(SequenceOutcome.Duplicate, tracker.Add(1));
        Assert.Equal(SequenceOutcome.InOrder, tracker.Add(3));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(SeqSet.MaxSeq + 1)]
    public void Refuses_numbers_no_sender_uses(long seq)
    {
        Assert.False(SeqSet.IsValid(seq));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeqSet().Add(seq));
    }
}
