using Chattorum.ChatApi.Commands;

namespace Chattorum.Tests.Unit.Commands;

public class CommandLineTests
{
    [Theory]
    [InlineData("/stock=AAPL", "stock", "AAPL")]
    [InlineData("/stock=aapl.us", "stock", "aapl.us")]
    [InlineData("/STOCK=AAPL", "stock", "AAPL")]
    [InlineData("/stock = AAPL ", "stock", "AAPL")]
    [InlineData("/stock=", "stock", "")]
    [InlineData("/stock", "stock", "")]
    [InlineData("/help", "help", "")]
    [InlineData("/weather=Paris, France", "weather", "Paris, France")]
    [InlineData("/calc=1+1=2", "calc", "1+1=2")]
    [InlineData("/my_bot-2=x", "my_bot-2", "x")]
    [InlineData("/stock=AAPL\nmore", "stock", "AAPL\nmore")]
    public void Parses_commands(string text, string name, string argument)
    {
        Assert.True(CommandLine.IsCommand(text));
        Assert.True(CommandLine.TryParse(text, out var command, out var problem), problem);
        Assert.Equal(new ChatCommand(name, argument), command);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/=AAPL")]
    [InlineData("/ stock")]
    [InlineData("/stock AAPL")]
    [InlineData("/stock.price=AAPL")]
    [InlineData("/stock#=AAPL")]
    [InlineData("/*=x")]
    [InlineData("/1stock=x")]
    [InlineData("/a234567890123456789012345678901234=x")]
    [InlineData("/ünicode=x")]
    public void Refuses_lines_that_are_not_well_formed_commands(string text)
    {
        Assert.True(CommandLine.IsCommand(text));
        Assert.False(CommandLine.TryParse(text, out _, out var problem));
        Assert.Contains("/name=argument", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello", false, "hello")]
    [InlineData(" /stock=AAPL", false, " /stock=AAPL")]
    [InlineData("//stock=AAPL is how you ask", false, "/stock=AAPL is how you ask")]
    [InlineData("///", false, "//")]
    [InlineData("a/b", false, "a/b")]
    [InlineData("/stock=AAPL", true, "/stock=AAPL")]
    public void Only_a_leading_single_slash_makes_a_command(string text, bool isCommand, string message)
    {
        Assert.Equal(isCommand, CommandLine.IsCommand(text));
        Assert.Equal(message, CommandLine.Unescape(text));
    }
}
