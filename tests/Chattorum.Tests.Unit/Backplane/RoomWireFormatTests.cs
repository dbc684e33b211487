using System.Text;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Backplane;

/// <summary>
/// The fragments the Redis scripts are handed finish exactly the frames <see cref="ServerFrameWriter"/> writes, and
/// the envelopes read back through <see cref="RoomEvent.TryParse"/>: one owner of each frame's shape.
/// </summary>
public class RoomWireFormatTests
{
    [Theory]
    [InlineData("lobby", "alice", "hi", 1732712345678L, 0L)]
    [InlineData("a-b_c", "Bob_2", "quotes \" backslash \\ newline \n tab \t emoji 😀 <b>&amp;", 1L, 7L)]
    [InlineData("x", "u", "", 99999999999999L, 123L)]
    public void A_message_prefix_and_the_scripts_fragments_make_the_message_frame(string room, string user, string text, long ms, long seq)
    {
        var id = new StreamId(ms, seq);
        var prefix = ServerFrameWriter.Current.MessagePrefix(room, user, text);
        var finished = Encoding.UTF8.GetString(prefix) + RoomWireFormat.TsField + ms + RoomWireFormat.IdField + id + RoomWireFormat.FrameEnd;
        var frame = ServerFrameWriter.Current.Message(new ChatMessage(room, id.ToString(), user, text, ms));
        Assert.Equal(Encoding.UTF8.GetString(frame), finished);

        var envelope = RoomWireFormat.MessageEnvelope(id, new StreamId(ms - 1, 0), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", prefix);
        Assert.True(RoomEvent.TryParse(envelope, out var parsed));
        Assert.Equal((RoomEventKind.Message, id, new StreamId(ms - 1, 0)), (parsed.Kind, parsed.Id, parsed.Previous!.Value));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", parsed.TraceParent);
        Assert.Equal(frame, parsed.Frame.ToArray());
    }

    [Theory]
    [InlineData("lobby", "carol", true)]
    [InlineData("lobby", "carol", false)]
    [InlineData("room-with_dashes", "User_With_Underscores_123", true)]
    [InlineData("r", "u", false)]
    public void The_presence_template_around_a_user_is_the_presence_frame(string room, string user, bool joined)
    {
        var (head, tail) = RoomWireFormat.PresenceFrameAround(room, joined);
        var frame = ServerFrameWriter.Current.Presence(room, user, joined);
        Assert.Equal(Encoding.UTF8.GetString(frame), head + user + tail);

        Assert.True(RoomEvent.TryParse(RoomWireFormat.PresenceEnvelope(room, user, joined), out var parsed));
        Assert.Equal((RoomEventKind.Presence, user), (parsed.Kind, parsed.User));
        Assert.Equal(frame, parsed.Frame.ToArray());
    }
}
