using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// Consecutive live messages a hub has taken from its channel and not yet handed to its members: delivered
/// together, they cost each member one queue write (one lock, at most one wake-up of its writer) instead of one per
/// message, and the joined frame is built once for every member. At saturation the queue writes were most of the
/// hub's time (BENCHMARKS.md, "Issue 16"); when messages come one at a time the batch holds one and nothing waits.
/// Ids only grow within a batch, so a member whose cursor is before the first one takes all of them.
/// </summary>
internal sealed class MessageBatch
{
    private readonly List<RoomEvent> _messages = new(ChatLimits.HubBurst);
    private int _bytes;

    public int Count => _messages.Count;

    public IReadOnlyList<RoomEvent> Messages => _messages;

    public StreamId First => _messages[0].Id;

    public StreamId Last => _messages[^1].Id;

    /// <summary>False when the message cannot join this batch (full, too large, or not after the last one): deliver the batch first.</summary>
    public bool TryAdd(in RoomEvent message)
    {
        if (_messages.Count > 0 &&
            (_messages.Count >= ChatLimits.HubBurst ||
             _bytes + 1 + message.Frame.Length > ChatLimits.MaxBatchBytes ||
             message.Id <= Last))
        {
            return false;
        }

        _messages.Add(message);
        _bytes += (_messages.Count > 1 ? 1 : 0) + message.Frame.Length;
        return true;
    }

    /// <summary>The messages' frames joined by newlines: one server frame that holds them all (docs/protocol.md).</summary>
    public byte[] Join()
    {
        var joined = new byte[_bytes];
        var at = 0;
        foreach (var message in _messages)
        {
            if (at > 0)
            {
                joined[at++] = (byte)'\n';
            }

            message.Frame.Span.CopyTo(joined.AsSpan(at));
            at += message.Frame.Length;
        }

        return joined;
    }

    public void Clear()
    {
        _messages.Clear();
        _bytes = 0;
    }
}
