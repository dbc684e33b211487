using System.Text;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Hubs;

public class HistoryMergeTests
{
    // history: ids read from the stream; since: where the client resumed from; live: what arrived meanwhile
    // ("p:x" is a presence event); expected: what follows the history.
    [Theory]
    [InlineData("", null, "", "")]
    [InlineData("1-0,2-0", null, "", "")]
    [InlineData("1-0,2-0", null, "3-0,4-0", "3-0,4-0")]
    [InlineData("1-0,2-0", null, "2-0,3-0", "3-0")]
    [InlineData("1-0,2-0,3-0", null, "1-0,2-0,3-0", "")]
    [InlineData("1-0,2-0,3-0", null, "2-0,3-0,4-0,5-0", "4-0,5-0")]
    [InlineData("5-0,5-1", null, "5-1,5-2,6-0", "5-2,6-0")]
    [InlineData("", null, "1-0,2-0", "1-0,2-0")]
    [InlineData("", "7-3", "7-2,7-3,7-4", "7-4")]
    [InlineData("8-0", "7-3", "7-9,8-0,9-0", "9-0")]
    [InlineData("1-0,2-0", null, "p:bob,2-0,p:carol,3-0", "p:bob,p:carol,3-0")]
    [InlineData("1-0,2-0", null, "3-0,3-0,2-0,4-0", "3-0,4-0")]
    [InlineData("10-0", null, "9-0,11-0", "11-0")]
    public void Live_events_after_a_history(string history, string? since, string live, string expected)
    {
        var messages = Split(history).Select(id => new ChatMessage("r", id, "u", "t", StreamId.Parse(id).Milliseconds)).ToList();
        var buffered = Split(live).Select(Event).ToList();
        var result = HistoryMerge.LiveAfter(messages, since is null ? null : StreamId.Parse(since), buffered);
        Assert.Equal(Split(expected), result.Select(Describe));
    }

    [Theory]
    [InlineData(null, "1-0", true)]
    [InlineData("1-0", "1-0", false)]
    [InlineData("1-0", "0-9", false)]
    [InlineData("1-0", "1-1", true)]
    [InlineData("1-5", "2-0", true)]
    [InlineData("2-0", "1-99", false)]
    public void The_cursor_only_moves_forward(string? last, string next, bool advances)
    {
        var cursor = new MessageCursor(last is null ? null : StreamId.Parse(last));
        Assert.Equal(advances, cursor.TryAdvance(StreamId.Parse(next)));
        Assert.Equal(advances ? next : last, cursor.Last?.ToString());
    }

    private static string[] Split(string list) => list.Length == 0 ? [] : list.Split(',');

    private static RoomEvent Event(string item) => item.StartsWith("p:", StringComparison.Ordinal)
        ? new RoomEvent(RoomEventKind.Presence, default, item[2..], Encoding.UTF8.GetBytes(item))
        : new RoomEvent(RoomEventKind.Message, StreamId.Parse(item), null, Encoding.UTF8.GetBytes(item));

    private static string Describe(RoomEvent roomEvent) =>
        roomEvent.Kind == RoomEventKind.Presence ? $"p:{roomEvent.User}" : roomEvent.Id.ToString();
}
