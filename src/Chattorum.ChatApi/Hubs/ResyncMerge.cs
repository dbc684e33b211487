using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// Joins a catch-up read of the stream with the live events that arrived while it was read. The two come over
/// different Redis connections, so either may be ahead: the read may hold messages the channel has not brought
/// yet, and the channel may bring messages the read began too early to see. Every message goes out once, in
/// stream order, whichever side had it; presence events follow in the order they came.
/// </summary>
public static class ResyncMerge
{
    /// <param name="newestLive">The newest message the channel had brought before the read.</param>
    /// <param name="skippedByChannel">Messages only the read had, older than <paramref name="newestLive"/>: the channel dropped them.</param>
    public static List<RoomEvent> InOrder(IReadOnlyList<ChatMessage> missed, IReadOnlyList<RoomEvent> buffered, StreamId? newestLive, out int skippedByChannel)
    {
        var messages = new SortedDictionary<StreamId, RoomEvent>();
        foreach (var roomEvent in buffered)
        {
            if (roomEvent.Kind == RoomEventKind.Message)
            {
                messages.TryAdd(roomEvent.Id, roomEvent);
            }
        }

        skippedByChannel = 0;
        foreach (var message in missed)
        {
            var id = StreamId.Parse(message.Id);
            if (messages.ContainsKey(id))
            {
                continue;
            }

            if (newestLive is { } newest && id < newest)
            {
                skippedByChannel++;
            }

            messages.Add(id, new RoomEvent(RoomEventKind.Message, id, null, ServerFrameWriter.Current.Message(message)));
        }

        var ordered = new List<RoomEvent>(messages.Count + buffered.Count);
        ordered.AddRange(messages.Values);
        foreach (var roomEvent in buffered)
        {
            if (roomEvent.Kind != RoomEventKind.Message)
            {
                ordered.Add(roomEvent);
            }
        }

        return ordered;
    }
}
