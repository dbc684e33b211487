using System.Text;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// The one owner of the bytes a room's channel carries. An envelope is a header line and the client frame:
/// <c>m &lt;id&gt; &lt;previous id&gt; &lt;traceparent or -&gt;\n&lt;frame&gt;</c> for a message, <c>p &lt;user&gt;\n&lt;frame&gt;</c>
/// for a presence change. The Redis scripts that publish them hold no format of their own: they are handed the
/// fragments below (<see cref="RoomScripts"/>), and the frames' JSON comes from <see cref="ServerFrameWriter"/>, so
/// a change here is a change everywhere; tests check that what a script publishes is byte for byte what
/// <see cref="ServerFrameWriter"/> writes.
/// </summary>
public static class RoomWireFormat
{
    public const string MessageTag = "m ";
    public const string PresenceTag = "p ";
    public const string Separator = " ";
    public const string HeaderEnd = "\n";

    /// <summary>Written where a message has no trace context.</summary>
    public const string NoTrace = "-";

    /// <summary>Marks where the user goes in a presence frame template; user names are <c>[A-Za-z0-9_]</c> and room names <c>[a-z0-9_-]</c>, so it can't clash.</summary>
    private const string UserMarker = "*user*";

    /// <summary>
    /// What follows <see cref="ServerFrameWriter.MessagePrefix"/> once the id is known: <c>TsField ms IdField id FrameEnd</c>
    /// completes it into exactly <see cref="ServerFrameWriter.Message"/>.
    /// </summary>
    public const string TsField = ",\"ts\":";
    public const string IdField = ",\"id\":\"";
    public const string FrameEnd = "\"}";

    /// <summary>A message's envelope, as the publish script writes it (used by the in-memory backplane and tests).</summary>
    public static byte[] MessageEnvelope(StreamId id, StreamId previous, string? traceParent, byte[] prefix)
    {
        var header = Encoding.ASCII.GetBytes($"{MessageTag}{id}{Separator}{previous}{Separator}{traceParent ?? NoTrace}{HeaderEnd}");
        var tail = Encoding.ASCII.GetBytes($"{TsField}{id.Milliseconds}{IdField}{id}{FrameEnd}");
        return [.. header, .. prefix, .. tail];
    }

    /// <summary>A presence change's envelope, as the presence scripts write it.</summary>
    public static byte[] PresenceEnvelope(string room, string user, bool joined)
    {
        var (head, tail) = PresenceFrameAround(room, joined);
        return Encoding.UTF8.GetBytes(PresenceTag + user + HeaderEnd + head + user + tail);
    }

    /// <summary>The presence frame before and after its user, for a script that learns the users itself (the sweep).</summary>
    public static (string Head, string Tail) PresenceFrameAround(string room, bool joined)
    {
        var frame = Encoding.UTF8.GetString(ServerFrameWriter.Current.Presence(room, UserMarker, joined));
        var at = frame.IndexOf(UserMarker, StringComparison.Ordinal);
        return (frame[..at], frame[(at + UserMarker.Length)..]);
    }
}
