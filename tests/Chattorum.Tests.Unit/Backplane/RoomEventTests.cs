using System.Text;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.Tests.Unit.Backplane;

public class RoomEventTests
{
    [Theory]
    [InlineData("m 1-0\n{}", RoomEventKind.Message, "1-0", null, "{}")]
    [InlineData("m 1732712345678-12\n{\"a\":\"b\\nc\"}", RoomEventKind.Message, "1732712345678-12", null, "{\"a\":\"b\\nc\"}")]
    [InlineData("p alice\n{\"type\":\"presence\"}", RoomEventKind.Presence, null, "alice", "{\"type\":\"presence\"}")]
    [InlineData("m 2-0\n", RoomEventKind.Message, "2-0", null, "")]
    [InlineData("m 2-0 1-0 -\n{}", RoomEventKind.Message, "2-0", null, "{}")]
    [InlineData("m 2-0 1-5 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n{}", RoomEventKind.Message, "2-0", null, "{}")]
    public void Parses_channel_payloads(string payload, RoomEventKind kind, string? id, string? user, string frame)
    {
        Assert.True(RoomEvent.TryParse(Encoding.UTF8.GetBytes(payload), out var parsed));
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(id, id is null ? null : parsed.Id.ToString());
        Assert.Equal(user, parsed.User);
        Assert.Equal(frame, Encoding.UTF8.GetString(parsed.Frame.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("m 1-0")]
    [InlineData("x 1-0\n{}")]
    [InlineData("m not-an-id\n{}")]
    [InlineData("m1-0\n{}")]
    [InlineData("\n{}")]
    [InlineData("m \n{}")]
    [InlineData("m 2-0 not-an-id -\n{}")]
    [InlineData("m 2-0 1-0 - extra\n{}")]
    public void Refuses_anything_else(string payload) => Assert.False(RoomEvent.TryParse(Encoding.UTF8.GetBytes(payload), out _));

    [Fact]
    public void Carries_the_previous_id_and_the_trace_context()
    {
        Assert.True(RoomEvent.TryParse(Encoding.UTF8.GetBytes("m 2-0 1-5 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n{}"), out var parsed));
        Assert.Equal(new StreamId(1, 5), parsed.Previous);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", parsed.TraceParent);
        Assert.True(RoomEvent.TryParse(Encoding.UTF8.GetBytes("m 2-0 1-5 -\n{}"), out var untraced));
        Assert.Null(untraced.TraceParent);
    }
}
