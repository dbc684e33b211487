using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Chattorum.ChatApi.Protocol;

/// <summary>
/// Writes server frames as UTF-8 JSON. Each thread has its own (<see cref="Current"/>), reused from call to
/// call; each call returns a new array sized to the frame, so the bytes can be shared by every receiver.
/// </summary>
public sealed class ServerFrameWriter
{
    [ThreadStatic]
    private static ServerFrameWriter? t_current;

    public static ServerFrameWriter Current => t_current ??= new ServerFrameWriter();

    // Frames travel over a WebSocket to a JSON parser, never into HTML, so only what JSON requires is escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;

    private ServerFrameWriter() => _json = new Utf8JsonWriter(_buffer, Options);

    /// <summary>The first frame: the limits are this node's settings, which its clients must keep to.</summary>
    public byte[] Welcome(string user, ChatOptions options)
    {
        var json = Begin();
        json.WriteString("type"u8, "welcome"u8);
        json.WriteNumber("protocol"u8, ProtocolVersion.Current);
        json.WriteString("user"u8, user);
        json.WriteStartObject("limits"u8);
        json.WriteNumber("maxFrameBytes"u8, ChatLimits.MaxFrameBytes);
        json.WriteNumber("maxTextLength"u8, options.MaxTextLength);
        json.WriteNumber("maxRooms"u8, options.MaxRoomsPerConnection);
        json.WriteNumber("ratePerSecond"u8, options.RatePerSecond);
        json.WriteNumber("rateBurst"u8, options.RateBurst);
        json.WriteEndObject();
        return End();
    }

    /// <summary><paramref name="truncated"/> is given when the join asked to resume <c>since</c> an id.</summary>
    public byte[] Joined(string room, IEnumerable<string> members, int history, bool? truncated, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "joined"u8);
        json.WriteString("room"u8, room);
        json.WriteStartArray("members"u8);
        foreach (var member in members)
        {
            json.WriteStringValue(member);
        }

        json.WriteEndArray();
        json.WriteNumber("history"u8, history);
        if (truncated is { } gap)
        {
            json.WriteBoolean("truncated"u8, gap);
        }

        WriteCid(json, cid);
        return End();
    }

    public byte[] Left(string room, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "left"u8);
        json.WriteString("room"u8, room);
        WriteCid(json, cid);
        return End();
    }

    /// <summary>
    /// A chat message. Its fields end with <c>ts</c> and <c>id</c> so that the Redis script that assigns the
    /// id can finish a <see cref="MessagePrefix"/> into exactly these bytes.
    /// </summary>
    public byte[] Message(ChatMessage message)
    {
        var json = BeginMessage(message.Room, message.User, message.Text);
        json.WriteNumber("ts"u8, message.Timestamp);
        json.WriteString("id"u8, message.Id);
        return End();
    }

    /// <summary>The message frame up to its text, before the id is known: the rest is <c>,"ts":…,"id":"…"}</c>.</summary>
    public byte[] MessagePrefix(string room, string user, string text)
    {
        BeginMessage(room, user, text);
        _json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    public byte[] Ack(string room, string id, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "ack"u8);
        json.WriteString("room"u8, room);
        json.WriteString("id"u8, id);
        WriteCid(json, cid);
        return End();
    }

    /// <summary>A command was handed to the bots; the answer will come as a message in the room.</summary>
    public byte[] Queued(string room, string command, string requestId, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "queued"u8);
        json.WriteString("room"u8, room);
        json.WriteString("command"u8, command);
        json.WriteString("request"u8, requestId);
        WriteCid(json, cid);
        return End();
    }

    public byte[] Presence(string room, string user, bool joined)
    {
        var json = Begin();
        json.WriteString("type"u8, "presence"u8);
        json.WriteString("room"u8, room);
        json.WriteString("user"u8, user);
        json.WriteString("event"u8, joined ? "joined"u8 : "left"u8);
        return End();
    }

    public byte[] Pong(string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "pong"u8);
        WriteCid(json, cid);
        return End();
    }

    public byte[] Error(in FrameError error) => Error(error.Code, error.Message, error.Frame, error.Cid, error.Id);

    public byte[] Error(string code, string message, string? frame, string? cid, string? id = null)
    {
        var json = Begin();
        json.WriteString("type"u8, "error"u8);
        json.WriteString("code"u8, code);
        json.WriteString("message"u8, message);
        if (frame is not null)
        {
            json.WriteString("frame"u8, frame);
        }

        if (id is not null)
        {
            json.WriteString("id"u8, id);
        }

        WriteCid(json, cid);
        return End();
    }

    private static void WriteCid(Utf8JsonWriter json, string? cid)
    {
        if (cid is not null)
        {
            json.WriteString("cid"u8, cid);
        }
    }

    private Utf8JsonWriter BeginMessage(string room, string user, string text)
    {
        var json = Begin();
        json.WriteString("type"u8, "message"u8);
        json.WriteString("room"u8, room);
        json.WriteString("user"u8, user);
        json.WriteString("text"u8, text);
        return json;
    }

    private Utf8JsonWriter Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset();
        _json.WriteStartObject();
        return _json;
    }

    private byte[] End()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
