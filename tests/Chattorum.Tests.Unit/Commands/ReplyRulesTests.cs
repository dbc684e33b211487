using Chattorum.ChatApi;
using Chattorum.ChatApi.Commands;
using Chattorum.Messaging;

namespace Chattorum.Tests.Unit.Commands;

public class ReplyRulesTests
{
    private const string Room = "lobby";
    private const string Text = "AAPL.US quote is $93.42 per share";

    public static TheoryData<string, string, string, string?, ReplyRefusal> Cases() => new()
    {
        // bot, room, text, user-id, verdict
        { "StockBot", Room, Text, "stockbot", ReplyRefusal.None },
        { "StockBot", Room, Text, "StockBot", ReplyRefusal.None },
        { "WeatherBot", Room, "line one\nline two\tand a tab", "weatherbot", ReplyRefusal.None },
        { "abot", Room, Text, "abot", ReplyRefusal.None },
        { "bot", Room, Text, "bot", ReplyRefusal.None },
        { "A23456789012345678901bot", Room, Text, "a23456789012345678901bot", ReplyRefusal.None },
        { "StockBot", Room, new string('x', ChatLimits.MaxTextLength), "stockbot", ReplyRefusal.None },

        // Identity: the broker vouches for the user-id only; it must name the bot.
        { "StockBot", Room, Text, null, ReplyRefusal.Unauthenticated },
        { "StockBot", Room, Text, "", ReplyRefusal.Unauthenticated },
        { "admin", Room, Text, "stockbot", ReplyRefusal.Unauthenticated },
        { "system", Room, Text, "stockbot", ReplyRefusal.Unauthenticated },
        { "EchoBot", Room, Text, "stockbot", ReplyRefusal.Unauthenticated },
        { "StockBot", Room, Text, "stockbot2", ReplyRefusal.Unauthenticated },
        { "StockBot", Room, Text, "guest", ReplyRefusal.Unauthenticated },

        // A vouched-for sender whose name is not a bot's.
        { "admin", Room, Text, "admin", ReplyRefusal.BotName },
        { "chattorum", Room, Text, "chattorum", ReplyRefusal.BotName },
        { "weather-bot", Room, Text, "weather-bot", ReplyRefusal.BotName },
        { "Weather Bot", Room, Text, "Weather Bot", ReplyRefusal.BotName },
        { "A234567890123456789012bot", Room, Text, "a234567890123456789012bot", ReplyRefusal.BotName },
        { "StockBot.", Room, Text, "stockbot.", ReplyRefusal.BotName },

        // Content.
        { "StockBot", "Lobby", Text, "stockbot", ReplyRefusal.Room },
        { "StockBot", "no room", Text, "stockbot", ReplyRefusal.Room },
        { "StockBot", new string('r', 33), Text, "stockbot", ReplyRefusal.Room },
        { "StockBot", Room, new string('x', ChatLimits.MaxTextLength + 1), "stockbot", ReplyRefusal.Text },
        { "StockBot", Room, "line one\r\nline two", "stockbot", ReplyRefusal.Text },
        { "StockBot", Room, "bell\u0007", "stockbot", ReplyRefusal.Text },
        { "StockBot", Room, "   ", "stockbot", ReplyRefusal.Text },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Checks_identity_then_name_then_content(string bot, string room, string text, string? userId, ReplyRefusal expected)
    {
        var verdict = ReplyRules.Check(new CommandReply("request-1", room, bot, text), userId);

        Assert.Equal(expected, verdict.Refusal);
        Assert.Equal(expected == ReplyRefusal.None, verdict.IsAccepted);
        Assert.Equal(expected == ReplyRefusal.None, verdict.Problem is null);
    }

    [Fact]
    public void Text_that_is_not_valid_Unicode_is_refused()
    {
        // Not in the table: a lone surrogate does not survive the theory's serialization.
        var verdict = ReplyRules.Check(new CommandReply("r", Room, "StockBot", "broken \ud800 surrogate"), "stockbot");

        Assert.Equal((ReplyRefusal.Text, "text is not valid Unicode"), (verdict.Refusal, verdict.Problem));
    }

    [Fact]
    public void A_body_that_is_not_a_reply_is_refused_whoever_sent_it()
    {
        var verdict = ReplyRules.Check(null, "stockbot");

        Assert.Equal(ReplyRefusal.NotAReply, verdict.Refusal);
        Assert.False(verdict.TellsTheRoom);
    }

    [Theory]
    [InlineData(ReplyRefusal.Text, true)]
    [InlineData(ReplyRefusal.Unauthenticated, false)]
    [InlineData(ReplyRefusal.BotName, false)]
    [InlineData(ReplyRefusal.Room, false)]
    [InlineData(ReplyRefusal.NotAReply, false)]
    public void Only_an_authenticated_bots_text_breach_is_told_to_the_room(ReplyRefusal refusal, bool tells)
    {
        Assert.Equal(tells, new ReplyVerdict(refusal, "why").TellsTheRoom);
    }

    [Fact]
    public void The_notice_names_the_bot_and_the_rule()
    {
        var verdict = ReplyRules.Check(new CommandReply("r", Room, "StockBot", new string('x', ChatLimits.MaxTextLength + 1)), "stockbot");

        Assert.Equal($"StockBot's answer was not posted: text is longer than {ChatLimits.MaxTextLength} characters.", ReplyRules.Notice("StockBot", verdict.Problem));
    }
}
