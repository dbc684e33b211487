using Chattorum.ChatApi;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Protocol;

/// <summary>
/// The frame limit holds the largest valid <c>send</c> in any JSON spelling; the text limit is on the decoded text, so
/// one character more is <c>bad_text</c> in every spelling, never too big a frame.
/// </summary>
public sealed class FrameSizeTests
{
    private static readonly string Room = SendSpellings.LongestRoom("sizes");
    private static readonly string Cid = SendSpellings.LongestCid("cid");

    public static TheoryData<string> Spellings() => [.. SendSpellings.All];

    public static TheoryData<string> UnpaddedSpellings() => [.. SendSpellings.Unpadded];

    [Theory]
    [MemberData(nameof(Spellings))]
    public void The_largest_valid_send_fits_a_frame_in_every_spelling(string spelling)
    {
        var text = SendSpellings.Text(spelling, ChatLimits.MaxTextLength);
        var json = SendSpellings.Send(spelling, Room, text, Cid);

        Assert.InRange(json.Length, 1, ChatLimits.MaxFrameBytes);
        Assert.True(ClientFrameParser.TryParse(json, out var frame, out var error), error.Message);
        Assert.Equal(new ClientFrame(ClientFrameType.Send, Room, text, Cid), frame);
    }

    [Theory]
    [MemberData(nameof(UnpaddedSpellings))]
    public void One_character_more_fits_a_frame_and_is_bad_text(string spelling)
    {
        var json = SendSpellings.Send(spelling, Room, SendSpellings.Text(spelling, ChatLimits.MaxTextLength + 1), Cid);

        Assert.InRange(json.Length, 1, ChatLimits.MaxFrameBytes);
        Assert.False(ClientFrameParser.TryParse(json, out _, out var error));
        Assert.Equal((ErrorCodes.BadText, "send", Cid), (error.Code, error.Frame, error.Cid));
    }

    [Fact]
    public void The_limit_is_the_longest_spelling_of_the_largest_send_and_the_white_space_allowance()
    {
        var longest = SendSpellings.Send(SendSpellings.EscapedEverything, Room, SendSpellings.Text(SendSpellings.EscapedEverything, ChatLimits.MaxTextLength), Cid);
        Assert.Equal(ChatLimits.MaxSendJsonBytes, longest.Length);
        Assert.Equal(24_715, ChatLimits.MaxSendJsonBytes);
        Assert.Equal(ChatLimits.MaxSendJsonBytes + ChatLimits.FrameWhitespaceAllowance, ChatLimits.MaxFrameBytes);

        var padded = SendSpellings.Send(SendSpellings.EscapedEverythingPadded, Room, SendSpellings.Text(SendSpellings.EscapedEverything, ChatLimits.MaxTextLength), Cid);
        Assert.Equal(ChatLimits.MaxFrameBytes, padded.Length);
    }

    [Theory]
    [InlineData(ChatLimits.MaxRoomNameLength, true)]
    [InlineData(ChatLimits.MaxRoomNameLength + 1, false)]
    public void Room_names_are_as_long_as_the_frame_limit_assumes(int length, bool valid) =>
        Assert.Equal(valid, Validation.IsValidRoomName(new string('r', length)));

    [Fact]
    public void The_protocol_documents_the_frame_limit_the_server_enforces()
    {
        var protocol = Repository.ReadProse("docs", "protocol.md");
        Assert.Contains($"\"maxFrameBytes\":{ChatLimits.MaxFrameBytes},", protocol, StringComparison.Ordinal);
        Assert.Contains($"A frame is at most **{ChatLimits.MaxFrameBytes:N0} bytes**", protocol, StringComparison.Ordinal);
        Assert.Contains($"{ChatLimits.MaxSendJsonBytes:N0} bytes; plus {ChatLimits.FrameWhitespaceAllowance:N0} bytes of white space", protocol, StringComparison.Ordinal);
        Assert.Contains($"| 1009 | a frame over {ChatLimits.MaxFrameBytes:N0} bytes", protocol, StringComparison.Ordinal);
    }
}
