using Chattorum.StockBot.Quotes;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

public class AlphaVantageJsonTests
{
    [Theory]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "02. open": "92.1000", "05. price": "93.4200", "06. volume": "51234567"}}""", "93.42")]
    [InlineData("""{"Global Quote":{"01. symbol":"aapl","05. price":"0.0012"}}""", "0.0012")]
    [InlineData("""  {"Global Quote": {"05. price": "1234.5", "01. symbol": "AAPL"}, "Meta": 1}  """, "1234.5")]
    public void Reads_the_price_of_a_global_quote(string body, string price)
    {
        var result = AlphaVantageJson.Parse(body, "AAPL");
        Assert.Equal(QuoteStatus.Found, result.Status);
        Assert.Equal(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture), result.Price);
    }

    [Theory]
    [InlineData("""{"Global Quote": {}}""")]
    [InlineData("""{ "Global Quote" : { } }""")]
    public void An_empty_global_quote_is_an_unknown_symbol(string body) =>
        Assert.Equal(QuoteStatus.UnknownSymbol, AlphaVantageJson.Parse(body, "AAPL").Status);

    [Theory]
    [InlineData("""{"Note": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day."}""", "rate limit")]
    [InlineData("""{"Information": "The **demo** API key is for demo purposes only."}""", "rate limit")]
    [InlineData("""{"Information": "rate limit", "Global Quote": {}}""", "rate limit")]
    [InlineData("""{"Error Message": "Invalid API call."}""", "error")]
    [InlineData("", "not JSON")]
    [InlineData("<!DOCTYPE html><html><body>Just a moment...</body></html>", "not JSON")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. pri""", "not JSON")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "93.42"}}}""", "not JSON")]
    [InlineData("garbage", "not JSON")]
    [InlineData("[]", "not an object")]
    [InlineData("\"93.42\"", "not an object")]
    [InlineData("null", "not an object")]
    [InlineData("{}", "no Global Quote")]
    [InlineData("""{"Global Quote": []}""", "no Global Quote")]
    [InlineData("""{"Global Quote": "93.42"}""", "no Global Quote")]
    [InlineData("""{"Global Quote": null}""", "no Global Quote")]
    [InlineData("""{"Global Quote": {"01. symbol": "MSFT", "05. price": "93.42"}}""", "another")]
    [InlineData("""{"Global Quote": {"05. price": "93.42"}}""", "another")]
    [InlineData("""{"Global Quote": {"01. symbol": 7, "05. price": "93.42"}}""", "another")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": 93.42}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": null}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "93,42"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "abc"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "0.0000"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "-1.00"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": "1e3"}}""", "price")]
    [InlineData("""{"Global Quote": {"01. symbol": "AAPL", "05. price": ""}}""", "price")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{}}}}}}}}}}""", "not JSON")]
    public void Anything_but_a_global_quote_is_a_failure(string body, string reason)
    {
        var result = AlphaVantageJson.Parse(body, "AAPL");
        Assert.Equal(QuoteStatus.Failed, result.Status);
        Assert.False(result.IsTransient);
        Assert.Contains(reason, result.Failure, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Builds_the_request() =>
        Assert.Equal(
            "https://www.alphavantage.co/query?function=GLOBAL_QUOTE&symbol=BRK-B&apikey=k%2By",
            AlphaVantageJson.RequestUri("https://www.alphavantage.co", "BRK-B", "k+y").AbsoluteUri);
}
