using Chattorum.ChatApi;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Protocol;

public class ValidationTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("lobby", true)]
    [InlineData("0", true)]
    [InlineData("room-1_b", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345", true)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("-lobby", false)]
    [InlineData("_lobby", false)]
    [InlineData("Lobby", false)]
    [InlineData("lob by", false)]
    [InlineData("lobby\n", false)]
    [InlineData("room:1", false)]
    [InlineData("room.1", false)]
    [InlineData("room*", false)]
    [InlineData("röom", false)]
    [InlineData("ｌobby", false)]
    public void Room_names(string? room, bool valid) => Assert.Equal(valid, Validation.IsValidRoomName(room));

    [Theory]
    [InlineData("bob", true)]
    [InlineData("Alice_99", true)]
    [InlineData("abcdefghijklmnopqrstuvwx", true)]
    [InlineData("abcdefghijklmnopqrstuvwxy", false)]
    [InlineData("ab", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("al ice", false)]
    [InlineData("al-ice", false)]
    [InlineData("alice\n", false)]
    [InlineData("ålice", false)]
    public void User_names(string? name, bool valid) => Assert.Equal(valid, Validation.IsValidUserName(name));

    [Theory]
    [InlineData("hi", true)]
    [InlineData("x", true)]
    [InlineData("line one\nline two", true)]
    [InlineData("tab\there", true)]
    [InlineData("  padded  ", true)]
    [InlineData("😀", true)]
    [InlineData("<script>alert(1)</script>", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("   ", false)]
    [InlineData("\n\n", false)]
    [InlineData("a\rb", false)]
    [InlineData("a\0b", false)]
    [InlineData("\u0001", false)]
    [InlineData("a\u007f", false)]
    [InlineData("a\u009b", false)]
    public void Text(string? text, bool valid)
    {
        Assert.Equal(valid, Validation.TryValidateText(text, out var problem));
        Assert.Equal(valid, problem is null);
    }

    [Fact]
    public void Text_with_lone_surrogates_is_refused()
    {
        // Not theory data: the test runner's serializer would replace the lone surrogates.
        Assert.False(Validation.TryValidateText("lone \ud800 surrogate", out _));
        Assert.False(Validation.TryValidateText("reversed \udc00\ud800", out _));
        Assert.False(Validation.TryValidateText("trailing \ud83d", out _));
        Assert.True(Validation.TryValidateText("pair \ud83d\ude00", out _));
    }

    [Theory]
    [InlineData("a", ChatLimits.MaxTextLength, true)]
    [InlineData("a", ChatLimits.MaxTextLength + 1, false)]
    [InlineData("😀", ChatLimits.MaxTextLength, true)]
    [InlineData("😀", ChatLimits.MaxTextLength + 1, false)]
    [InlineData("é", ChatLimits.MaxTextLength, true)]
    public void Text_length_counts_characters_not_utf16_units(string unit, int count, bool valid) =>
        Assert.Equal(valid, Validation.TryValidateText(string.Concat(Enumerable.Repeat(unit, count)), out _));

    /// <summary>A deployment's lower <c>Chat:MaxTextLength</c>, in characters, and the refusal that states it.</summary>
    [Theory]
    [InlineData("a", 1, 1, true)]
    [InlineData("a", 2, 1, false)]
    [InlineData("😀", 140, 140, true)]
    [InlineData("😀", 141, 140, false)]
    [InlineData("é", 500, 500, true)]
    [InlineData("a", 501, 500, false)]
    public void Text_length_against_a_configured_limit(string unit, int count, int maxLength, bool valid)
    {
        Assert.Equal(valid, Validation.TryValidateText(string.Concat(Enumerable.Repeat(unit, count)), maxLength, out var problem));
        Assert.Equal(valid ? null : $"text is longer than {maxLength} characters", problem);
    }

    [Theory]
    [InlineData(140, true)]
    [InlineData(141, false)]
    public void The_parser_refuses_a_text_over_the_configured_limit_with_bad_text(int length, bool valid)
    {
        var frame = System.Text.Encoding.UTF8.GetBytes($$"""{"type":"send","room":"r","text":"{{new string('x', length)}}","cid":"7"}""");
        Assert.Equal(valid, ClientFrameParser.TryParse(frame, 140, out var parsed, out var error));
        if (valid)
        {
            Assert.Equal(length, parsed.Text!.Length);
        }
        else
        {
            Assert.Equal((ErrorCodes.BadText, "text is longer than 140 characters", "7"), (error.Code, error.Message, error.Cid));
        }
    }
}
