using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class OrderCheckTests
{
    private static OrderTracker Track(params string[] ids)
    {
        var tracker = new OrderTracker();
        foreach (var id in ids)
        {
            Assert.True(MessageId.TryParse(System.Text.Encoding.ASCII.GetBytes(id), out var parsed), id);
            tracker.Add(parsed);
        }

        return tracker;
    }

    [Theory]
    [InlineData(0, "1-0", "1-1", "2-0", "2-7", "3-0")]
    [InlineData(0, "9-5", "10-0", "10-1", "100-0")]
    [InlineData(0, "1732712345678-9", "1732712345678-10")]
    [InlineData(1, "2-0", "1-5")]
    [InlineData(1, "1-0", "1-0")]
    [InlineData(1, "1-10", "1-9", "1-11")]
    [InlineData(2, "3-0", "2-0", "1-0")]
    public void Ids_must_strictly_grow_compared_as_numbers(long regressions, params string[] ids) =>
        Assert.Equal(regressions, Track(ids).Regressions);

    [Fact]
    public void The_hash_follows_the_order()
    {
        Assert.Equal(Track("1-0", "1-1", "2-0").Hash, Track("1-0", "1-1", "2-0").Hash);
        Assert.NotEqual(Track("1-0", "1-1", "2-0").Hash, Track("1-1", "1-0", "2-0").Hash);
        Assert.NotEqual(Track("1-0", "1-1").Hash, Track("1-0", "1-2").Hash);
        Assert.NotEqual(Track("1-1").Hash, Track("1-0").Hash);
        Assert.Equal(3, Track("1-0", "1-1", "2-0").Count);
    }

    [Theory]
    [InlineData(0, "0:3:a", "0:3:a", "0:3:a")]
    [InlineData(1, "0:3:a", "0:3:b", "0:3:a")]
    [InlineData(0, "0:3:a", "0:2:b", "0:4:c")]
    [InlineData(0, "0:3:a", "1:3:b")]
    [InlineData(2, "0:3:a", "0:3:b", "0:3:c", "1:5:x", "1:5:x")]
    [InlineData(1, "0:3:a", "0:3:a", "0:3:b", "1:5:x", "1:5:x", "1:4:y")]
    public void Receivers_of_a_room_with_as_many_messages_must_agree(int mismatches, params string[] receivers)
    {
        var orders = receivers.Select(r => r.Split(':')).Select(p => new ReceivedOrder(int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), (ulong)p[2][0]));
        Assert.Equal(mismatches, OrderCheck.CountMismatches(orders));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("-1")]
    [InlineData("1-")]
    [InlineData("a-1")]
    [InlineData("1-1-1")]
    [InlineData("1234567890123456789-0")]
    public void Malformed_ids_do_not_parse(string id) =>
        Assert.False(MessageId.TryParse(System.Text.Encoding.ASCII.GetBytes(id), out _));
}
