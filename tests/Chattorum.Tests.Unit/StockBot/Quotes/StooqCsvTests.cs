using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

public class StooqCsvTests
{
    private const string Header = "Symbol,Date,Time,Open,High,Low,Close,Volume";
    private const string Row = "AAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567";

    [Theory]
    [InlineData(Header + "\n" + Row, "93.42")]
    [InlineData(Header + "\n" + Row + "\n", "93.42")]
    [InlineData(Header + "\r\n" + Row + "\r\n", "93.42")]
    [InlineData(Header + "\r\n" + Row + "\r\n\r\n", "93.42")]
    [InlineData("\n" + Header + "\n\n" + Row + "\n\n", "93.42")]
    [InlineData("  " + Header + "  \r\n\t" + Row + " \r\n", "93.42")]
    [InlineData("\uFEFF" + Header + "\r\n" + Row, "93.42")]
    [InlineData(Header + "\naapl.us,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567", "93.42")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,0.0011,0.0013,0.0010,0.0012,100", "0.0012")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,1200,1240,1190,1234.5,0", "1234.5")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,N/D", "93.42")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,1234.5", "93.42")]
    public void Reads_the_close_of_a_valid_row(string body, string close)
    {
        var result = StooqCsv.Parse(body, "AAPL.US");
        Assert.Equal(QuoteStatus.Found, result.Status);
        Assert.Equal(decimal.Parse(close, System.Globalization.CultureInfo.InvariantCulture), result.Price);
    }

    [Theory]
    [InlineData(Header + "\nAAPL.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D")]
    [InlineData(Header + "\r\nAAPL.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D\r\n")]
    public void A_row_of_N_D_is_an_unknown_symbol(string body) =>
        Assert.Equal(QuoteStatus.UnknownSymbol, StooqCsv.Parse(body, "AAPL.US").Status);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\r\n\r\n  \n", "empty")]
    [InlineData("<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>", "HTML")]
    [InlineData("<html>\n<body>Symbol,Date,Time,Open,High,Low,Close,Volume</body>\n</html>", "HTML")]
    [InlineData("Exceeded the daily hits limit", "header")]
    [InlineData("Symbol,Date,Time,Open,High,Low,Close", "header")]
    [InlineData("symbol,date,time,open,high,low,close,volume\n" + Row, "header")]
    [InlineData("Symbol;Date;Time;Open;High;Low;Close;Volume\nAAPL.US;2026-11-27;22:00:09;92.1;94.0;91.8;93.42;51234567", "header")]
    [InlineData("Symbol,Date,Time,Open,High,Low,Price,Volume\n" + Row, "header")]
    [InlineData(Row, "header")]
    [InlineData(Header, "no data row")]
    [InlineData(Header + "\n", "no data row")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:0", "fields")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42", "fields")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93,42,51234567", "fields")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567,extra", "fields")]
    [InlineData(Header + "\n" + Row + "\n" + Row, "more than one")]
    [InlineData(Header + "\n" + Row + "\nMSFT.US,2026-11-27,22:00:09,1,1,1,1,1", "more than one")]
    [InlineData(Header + "\n" + Row + "\n" + Header, "more than one")]
    [InlineData(Header + "\nMSFT.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567", "another symbol")]
    [InlineData(Header + "\nAAPL,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567", "another symbol")]
    [InlineData(Header + "\nMSFT.US,N/D,N/D,N/D,N/D,N/D,N/D,N/D", "another symbol")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,abc,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,0,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,0.00,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,-93.42,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,9.342e1,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,1 093.42,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,NaN,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,N/D,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,N/D,91.8,93.42,51234567", "price")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,99999999999999999999999999999999,1", "price")]
    [InlineData(Header + "\nAAPL.US,27.11.2026,22:00:09,92.1,94.0,91.8,93.42,51234567", "date")]
    [InlineData(Header + "\nAAPL.US,N/D,22:00:09,92.1,94.0,91.8,93.42,51234567", "date")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,25:00:09,92.1,94.0,91.8,93.42,51234567", "date")]
    [InlineData(Header + "\nAAPL.US,2026-11-27,22:00:09,92.1,94.0,91.8,93.42,lots", "volume")]
    [InlineData(Header + "\n\"AAPL.US\",2026-11-27,22:00:09,92.1,94.0,91.8,93.42,51234567", "another symbol")]
    public void Anything_but_the_expected_csv_is_a_failure(string body, string reason)
    {
        var result = StooqCsv.Parse(body, "AAPL.US");
        Assert.Equal(QuoteStatus.Failed, result.Status);
        Assert.False(result.IsTransient);
        Assert.Contains(reason, result.Failure, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("AAPL.US", null, "https://stooq.com/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv")]
    [InlineData("BRK-B.US", "k3y", "https://stooq.com/q/l/?s=brk-b.us&f=sd2t2ohlcv&h&e=csv&apikey=k3y")]
    [InlineData("VOD.UK", "a&b=c", "https://stooq.com/q/l/?s=vod.uk&f=sd2t2ohlcv&h&e=csv&apikey=a%26b%3Dc")]
    public void Builds_the_request(string symbol, string? key, string expected) =>
        Assert.Equal(expected, StooqCsv.RequestUri("https://stooq.com/", symbol, key).AbsoluteUri);
}
