using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// Joins a history read with the live events that arrived while it was read. The subscription is live before
/// the read starts, so together they hold every message; what both hold is dropped from the live side, by id.
/// </summary>
public static class HistoryMerge
{
    /// <summary>
    /// The live events to deliver after <paramref name="history"/>: presence always, messages only past the
    /// history's end (or past <paramref name="since"/> when the history is empty), in arrival order.
    /// </summary>
    public static IEnumerable<RoomEvent> LiveAfter(IReadOnlyList<ChatMessage> history, StreamId? since, IEnumerable<RoomEvent> buffered)
    {
        var cursor = new MessageCursor(history.Count > 0 ? StreamId.Parse(history[^1].Id) : since);
        foreach (var roomEvent in buffered)
        {
            if (roomEvent.Kind != RoomEventKind.Message || cursor.TryAdvance(roomEvent.Id))
            {
                yield return roomEvent;
            }
        }
    }
}

/// <summary>The id of the last message delivered: anything not past it is a duplicate.</summary>
public struct MessageCursor(StreamId? last)
{
    public StreamId? Last { get; private set; } = last;

    public bool TryAdvance(StreamId id)
    {
        if (Last is { } last && id <= last)
        {
            return false;
        }

        Last = id;
        return true;
    }

    /// <summary>Moves forward to <paramref name="id"/> if it is past the cursor; never back.</summary>
    public void AtLeast(StreamId id)
    {
        if (Last is not { } last || id > last)
        {
            Last = id;
        }
    }
}
