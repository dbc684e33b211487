using Chattorum.ChatApi.Backplane;

namespace Chattorum.Tests.Unit.Protocol;

public class StreamIdTests
{
    [Theory]
    [InlineData("1732712345678-0", 1732712345678, 0)]
    [InlineData("0-0", 0, 0)]
    [InlineData("5-18446744", 5, 18446744)]
    public void Parses_stream_ids(string text, long milliseconds, long sequence)
    {
        Assert.True(StreamId.TryParse(text, out var id));
        Assert.Equal(new StreamId(milliseconds, sequence), id);
        Assert.Equal(text, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1-")]
    [InlineData("-1")]
    [InlineData("1")]
    [InlineData("1-2-3")]
    [InlineData("a-0")]
    [InlineData(" 1-0")]
    [InlineData("+1-0")]
    [InlineData("1-0\n")]
    [InlineData("99999999999999999999999-0")]
    [InlineData("$")]
    [InlineData("*")]
    public void Refuses_anything_else(string? text) => Assert.False(StreamId.TryParse(text, out _));

    [Theory]
    [InlineData("1-0", "2-0", -1)]
    [InlineData("2-0", "1-9", 1)]
    [InlineData("2-1", "2-10", -1)]
    [InlineData("3-3", "3-3", 0)]
    public void Orders_by_time_then_sequence(string a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(StreamId.Parse(a).CompareTo(StreamId.Parse(b))));
}
