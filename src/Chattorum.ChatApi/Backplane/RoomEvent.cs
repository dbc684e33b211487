using System.Text;

namespace Chattorum.ChatApi.Backplane;

public enum RoomEventKind
{
    Message,
    Presence,
}

/// <summary>
/// What a room's channel carries: a message (with its stream id) or a presence change (with its user), plus
/// the frame to hand to clients as it is. On the wire: <c>m &lt;id&gt; &lt;previous id&gt; &lt;traceparent or -&gt;\n&lt;frame&gt;</c>
/// or <c>p &lt;user&gt;\n&lt;frame&gt;</c>. The previous id lets a receiver see that the channel skipped a message.
/// </summary>
public readonly record struct RoomEvent(RoomEventKind Kind, StreamId Id, string? User, ReadOnlyMemory<byte> Frame, string? TraceParent = null, StreamId? Previous = null)
{
    public static bool TryParse(ReadOnlyMemory<byte> payload, out RoomEvent roomEvent)
    {
        roomEvent = default;
        var span = payload.Span;
        var newline = span.IndexOf((byte)'\n');
        if (newline < 3 || span[1] != (byte)' ')
        {
            return false;
        }

        var subject = Encoding.ASCII.GetString(span[2..newline]);
        var frame = payload[(newline + 1)..];
        string? trace = null;
        StreamId? previous = null;
        if (span[0] == (byte)'m')
        {
            var parts = subject.Split(' ');
            if (parts.Length > 3 || (parts.Length > 1 && !StreamId.TryParse(parts[1], out _)))
            {
                return false;
            }

            previous = parts.Length > 1 ? StreamId.Parse(parts[1]) : null;
            trace = parts.Length > 2 && parts[2] != "-" ? parts[2] : null;
            subject = parts[0];
        }

        switch (span[0])
        {
            case (byte)'m' when StreamId.TryParse(subject, out var id):
                roomEvent = new RoomEvent(RoomEventKind.Message, id, null, frame, trace, previous);
                return true;
            case (byte)'p':
                roomEvent = new RoomEvent(RoomEventKind.Presence, default, subject, frame);
                return true;
            default:
                return false;
        }
    }
}
