using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

public class StockSymbolTests
{
    [Theory]
    [InlineData("AAPL", "AAPL.US")]
    [InlineData("aapl", "AAPL.US")]
    [InlineData("aapl.us", "AAPL.US")]
    [InlineData("AAPL.US", "AAPL.US")]
    [InlineData("brk-b", "BRK-B.US")]
    [InlineData("vod.uk", "VOD.UK")]
    [InlineData("Vod.Uk", "VOD.UK")]
    [InlineData("7203.jp", "7203.JP")]
    [InlineData("A", "A.US")]
    [InlineData("ABCDEFGHIJKL", "ABCDEFGHIJKL.US")]
    [InlineData("ABCDEFGHIJKL.de", "ABCDEFGHIJKL.DE")]
    [InlineData("  msft  ", "MSFT.US")]
    [InlineData("\tmsft\n", "MSFT.US")]
    [InlineData("A-B-C", "A-B-C.US")]
    public void Normalises_valid_symbols(string input, string expected)
    {
        Assert.True(StockSymbol.TryNormalize(input, out var symbol));
        Assert.Equal(expected, symbol);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("AA PL")]
    [InlineData("AAPL US")]
    [InlineData("ABCDEFGHIJKLM")]
    [InlineData("ABCDEFGHIJKLM.US")]
    [InlineData("AAPL.")]
    [InlineData(".US")]
    [InlineData("AAPL.U")]
    [InlineData("AAPL.USA")]
    [InlineData("AAPL.U1")]
    [InlineData("AAPL.US.US")]
    [InlineData("A.B.US")]
    [InlineData("BRK.B")]
    [InlineData("-AAPL")]
    [InlineData("AAPL-")]
    [InlineData("BRK--B")]
    [InlineData("AAPL*")]
    [InlineData("*")]
    [InlineData("AA?L")]
    [InlineData("%41APL")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("http://x")]
    [InlineData("aapl&apikey=x")]
    [InlineData("aapl#x")]
    [InlineData("^SPX")]
    [InlineData("AAPL_US")]
    [InlineData("ÄPPL")]
    [InlineData("ＡＡＰＬ")]
    [InlineData("AAPL\u00A0X")]
    [InlineData("AA\nPL")]
    [InlineData("AAPL.ü1")]
    public void Rejects_what_is_not_a_symbol(string? input)
    {
        Assert.False(StockSymbol.TryNormalize(input, out var symbol));
        Assert.Null(symbol);
    }

    [Fact]
    public void Rejects_very_long_input_even_of_valid_characters()
    {
        Assert.False(StockSymbol.TryNormalize(new string('A', 10_000), out _));
        Assert.False(StockSymbol.TryNormalize(new string(' ', 100) + "AAPL", out _));
    }

    [Theory]
    [InlineData("AAPL.US", "AAPL", "US")]
    [InlineData("BRK-B.US", "BRK-B", "US")]
    [InlineData("VOD.UK", "VOD", "UK")]
    public void Splits_a_normalised_symbol(string symbol, string ticker, string market)
    {
        Assert.Equal(ticker, StockSymbol.Ticker(symbol));
        Assert.Equal(market, StockSymbol.Market(symbol));
    }
}
