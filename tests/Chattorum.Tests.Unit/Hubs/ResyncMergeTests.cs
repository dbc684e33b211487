using System.Text;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Hubs;

/// <summary>
/// A catch-up read and the live events that came while it ran, over two Redis connections that race: every
/// message once, in stream order, whichever side was ahead. (The load tool found the hub delivering read-only
/// messages before older live ones, which the members' cursors then dropped as duplicates.)
/// </summary>
public sealed class ResyncMergeTests
{
    [Theory]
    // The read is ahead of the channel: it holds a message the channel has not brought yet.
    [InlineData("10-0 11-0 12-0", "m10-0 m11-0", null, "10-0 11-0 12-0", 0)]
    [InlineData("12-0", "m10-0 m11-0", null, "10-0 11-0 12-0", 0)]
    // The channel is ahead: it brought messages the read began too early to see.
    [InlineData("10-0", "m10-0 m11-0 m12-0", null, "10-0 11-0 12-0", 0)]
    [InlineData("", "m11-0 m12-0", null, "11-0 12-0", 0)]
    // Both hold the same messages: each once.
    [InlineData("10-0 11-0", "m11-0 m10-0", null, "10-0 11-0", 0)]
    // Presence follows the messages, in the order it came.
    [InlineData("10-0", "pcarol m11-0 pdave", null, "10-0 11-0 pcarol pdave", 0)]
    // Only the read has messages older than the newest the channel brought: the channel dropped them.
    [InlineData("8-0 9-0 10-0", "m10-0", "9-5", "8-0 9-0 10-0", 2)]
    [InlineData("", "", "9-5", "", 0)]
    public void Every_message_goes_out_once_in_stream_order(string missed, string buffered, string? newestLive, string expected, int skipped)
    {
        var merged = ResyncMerge.InOrder(
            [.. Split(missed).Select(id => new ChatMessage("room", id, "alice", $"text {id}", 0))],
            [.. Split(buffered).Select(Live)],
            newestLive is null ? null : StreamId.Parse(newestLive),
            out var skippedByChannel);

        Assert.Equal(Split(expected), merged.Select(e => e.Kind == RoomEventKind.Message ? e.Id.ToString() : $"p{e.User}"));
        Assert.Equal(skipped, skippedByChannel);
    }

    [Fact]
    public void A_message_both_sides_hold_goes_out_as_the_channel_brought_it()
    {
        // The live copy carries the sender's trace context; the stream's does not.
        var live = Live("m10-0") with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
        var merged = ResyncMerge.InOrder([new ChatMessage("room", "10-0", "alice", "hi", 0)], [live], null, out _);

        Assert.Equal(live.TraceParent, Assert.Single(merged).TraceParent);
    }

    [Fact]
    public void A_message_only_the_read_had_is_written_as_a_message_frame()
    {
        var merged = ResyncMerge.InOrder([new ChatMessage("lobby", "10-0", "alice", "hi", 10)], [], null, out _);

        Assert.Equal(
            """{"type":"message","room":"lobby","user":"alice","text":"hi","ts":10,"id":"10-0"}""",
            Encoding.UTF8.GetString(Assert.Single(merged).Frame.Span));
    }

    private static string[] Split(string list) => list.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static RoomEvent Live(string token) => token[0] == 'm'
        ? new RoomEvent(RoomEventKind.Message, StreamId.Parse(token[1..]), null, Encoding.UTF8.GetBytes($"live {token}"))
        : new RoomEvent(RoomEventKind.Presence, default, token[1..], Encoding.UTF8.GetBytes($"presence {token}"));
}
