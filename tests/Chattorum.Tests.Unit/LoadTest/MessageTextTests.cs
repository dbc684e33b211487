using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class MessageTextTests
{
    private static readonly byte[] Marker = MessageText.RunMarker("0a9f3e");

    [Theory]
    [InlineData(100)]
    [InlineData(40)]
    [InlineData(2000)]
    public void Pads_to_the_size_and_reads_back(int size)
    {
        var buffer = new byte[MessageText.MaxLength(Marker, size)];
        var length = MessageText.Write(buffer, Marker, 12, 345, 6789012345678, size);
        var text = buffer.AsSpan(0, length);

        Assert.Equal(size, length);
        Assert.StartsWith("#0a9f3e:12:345:6789012345678:", Encoding.ASCII.GetString(text), StringComparison.Ordinal);
        Assert.True(MessageText.TryParse(text, Marker, out var sender, out var seq, out var timestamp));
        Assert.Equal((12, 345L, 6789012345678L), (sender, seq, timestamp));
    }

    [Fact]
    public void A_size_below_the_header_sends_the_header()
    {
        var buffer = new byte[MessageText.MaxLength(Marker, 1)];
        var length = MessageText.Write(buffer, Marker, int.MaxValue, long.MaxValue, long.MaxValue, 1);
        Assert.Equal($"#0a9f3e:{int.MaxValue}:{long.MaxValue}:{long.MaxValue}:", Encoding.ASCII.GetString(buffer, 0, length));
    }

    [Theory]
    [InlineData("#ffffff:1:2:3:")]
    [InlineData("#0a9f3e:1:2:")]
    [InlineData("#0a9f3e:1::3:")]
    [InlineData("#0a9f3e:1:2:3")]
    [InlineData("#0a9f3e:99999999999:2:3:")]
    public void Other_texts_do_not_parse(string text) =>
        Assert.False(MessageText.TryParse(Encoding.ASCII.GetBytes(text), Marker, out _, out _, out _));
}
