using System.Text;

namespace Chattorum.ChatApi.Backplane;

public enum RoomEventKind
{
    Message,
    Presence,
}

/// <summary>
/// What a room's channel carries: a message (with its stream id) or a presence change (with its user), plus
/// the frame to hand to clients as it is. On the wire: <c>m &lt;id&gt; &lt;traceparent or -&gt;\n&lt;frame&gt;</c> or
/// <c>p &lt;user&gt;\n&lt;frame&gt;</c>.
/// </summary>
public readonly record struct RoomEvent(RoomEventKind Kind, StreamId Id, string? User, ReadOnlyMemory<byte> Frame, string? TraceParent = null)
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
        if (span[0] == (byte)'m' && subject.IndexOf(' ', StringComparison.Ordinal) is var space and > 0)
        {
            trace = subject[(space + 1)..] is { } context && context != "-" ? context : null;
            subject = subject[..space];
        }

        switch (span[0])
        {
            case (byte)'m' when StreamId.TryParse(subject, out var id):
                roomEvent = new RoomEvent(RoomEventKind.Message, id, null, frame, trace);
                return true;
            case (byte)'p':
                roomEvent = new RoomEvent(RoomEventKind.Presence, default, subject, frame);
                return true;
            default:
                return false;
        }
    }
}
