using System.Globalization;
using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

public class QuoteRepliesTests
{
    [Theory]
    [InlineData("93.42", "AAPL.US quote is $93.42 per share")]
    [InlineData("93.4", "AAPL.US quote is $93.40 per share")]
    [InlineData("93.4200", "AAPL.US quote is $93.42 per share")]
    [InlineData("1234.5", "AAPL.US quote is $1234.50 per share")]
    [InlineData("0.0012", "AAPL.US quote is $0.0012 per share")]
    [InlineData("0.5", "AAPL.US quote is $0.50 per share")]
    [InlineData("100", "AAPL.US quote is $100.00 per share")]
    [InlineData("1000000", "AAPL.US quote is $1000000.00 per share")]
    [InlineData("93.425", "AAPL.US quote is $93.425 per share")]
    public void Formats_the_quote_reply(string price, string expected) =>
        Assert.Equal(expected, QuoteReplies.Quote("AAPL.US", decimal.Parse(price, CultureInfo.InvariantCulture)));

    [Fact]
    public void Formats_with_the_invariant_culture_whatever_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // The project runs with invariant globalization; a custom culture with a comma separator still applies.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("VOD.UK quote is $1234.50 per share", QuoteReplies.Quote("VOD.UK", 1234.5m));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Unknown_symbol_reply_names_the_symbol() =>
        Assert.Equal("I don't know the stock symbol XYZ.US", QuoteReplies.UnknownSymbol("XYZ.US"));

    [Fact]
    public void Every_case_has_its_own_reply()
    {
        string[] replies = [QuoteReplies.Usage, QuoteReplies.BadSymbol, QuoteReplies.Unavailable, QuoteReplies.TemporarilyUnavailable, QuoteReplies.UnknownSymbol("X.US")];
        Assert.Equal(replies.Length, replies.Distinct().Count());
        Assert.Contains("/stock=AAPL", QuoteReplies.Usage, StringComparison.Ordinal);
        Assert.Equal("Stock quotes are unavailable right now; try again in a minute", QuoteReplies.Unavailable);
    }
}
