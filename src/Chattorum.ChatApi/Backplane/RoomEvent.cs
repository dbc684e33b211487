using System.Text;

namespace Chattorum.ChatApi.Backplane;

public enum RoomEventKind
{
    Message,
    Presence,
}

/// <summary>
/// What a room's channel carries: a message (with its stream id) or a presence change (with its user), plus
/// the frame to hand to clients as it is. The envelope's format is <see cref="RoomWireFormat"/>'s; the previous
/// id lets a receiver see that the channel skipped a message.
/// </summary>
public readonly record struct RoomEvent(RoomEventKind Kind, StreamId Id, string? User, ReadOnlyMemory<byte> Frame, string? TraceParent = null, StreamId? Previous = null)
{
    public static bool TryParse(ReadOnlyMemory<byte> payload, out RoomEvent roomEvent)
    {
        roomEvent = default;
        var span = payload.Span;
        var newline = span.IndexOf((byte)RoomWireFormat.HeaderEnd[0]);
        if (newline < 3 || span[1] != (byte)RoomWireFormat.Separator[0])
        {
            return false;
        }

        var subject = Encoding.ASCII.GetString(span[2..newline]);
        var frame = payload[(newline + 1)..];
        string? trace = null;
        StreamId? previous = null;
        if (span[0] == (byte)RoomWireFormat.MessageTag[0])
        {
            var parts = subject.Split(RoomWireFormat.Separator[0]);
            if (parts.Length > 3 || (parts.Length > 1 && !StreamId.TryParse(parts[1], out _)))
            {
                return false;
            }

            previous = parts.Length > 1 ? StreamId.Parse(parts[1]) : null;
            trace = parts.Length > 2 && parts[2] != RoomWireFormat.NoTrace ? parts[2] : null;
            subject = parts[0];
            if (!StreamId.TryParse(subject, out var id))
            {
                return false;
            }

            roomEvent = new RoomEvent(RoomEventKind.Message, id, null, frame, trace, previous);
            return true;
        }

        if (span[0] == (byte)RoomWireFormat.PresenceTag[0])
        {
            roomEvent = new RoomEvent(RoomEventKind.Presence, default, subject, frame);
            return true;
        }

        return false;
    }
}
