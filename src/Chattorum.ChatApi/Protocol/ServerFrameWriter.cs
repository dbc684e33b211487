using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Chattorum.ChatApi.Protocol;

/// <summary>
/// Writes server frames as UTF-8 JSON. One instance is reused by one owner (a hub loop, a client's
/// reader loop): it is not thread-safe, and each call returns a new array sized to the frame so the
/// bytes can be shared by every receiver of a broadcast.
/// </summary>
public sealed class ServerFrameWriter
{
    // Frames travel over a WebSocket to a JSON parser, never into HTML, so only what JSON requires is escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;

    public ServerFrameWriter() => _json = new Utf8JsonWriter(_buffer, Options);

    public byte[] Welcome(string user)
    {
        var json = Begin();
        json.WriteString("type"u8, "welcome"u8);
        json.WriteString("user"u8, user);
        json.WriteStartObject("limits"u8);
        json.WriteNumber("maxFrameBytes"u8, ChatLimits.MaxFrameBytes);
        json.WriteNumber("maxTextLength"u8, ChatLimits.MaxTextLength);
        json.WriteNumber("maxRooms"u8, ChatLimits.MaxRoomsPerConnection);
        json.WriteNumber("ratePerSecond"u8, ChatLimits.RatePerSecond);
        json.WriteNumber("rateBurst"u8, ChatLimits.RateBurst);
        json.WriteEndObject();
        return End();
    }

    public byte[] Joined(string room, IEnumerable<string> members, string? cid)
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

    /// <summary>A chat message; <paramref name="cid"/> is given only in the copy for its sender.</summary>
    public byte[] Message(ChatMessage message, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "message"u8);
        json.WriteString("room"u8, message.Room);
        json.WriteString("id"u8, message.Id);
        json.WriteString("user"u8, message.User);
        json.WriteString("text"u8, message.Text);
        json.WriteNumber("ts"u8, message.Timestamp);
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

    public byte[] Error(in FrameError error) => Error(error.Code, error.Message, error.Frame, error.Cid);

    public byte[] Error(string code, string message, string? frame, string? cid)
    {
        var json = Begin();
        json.WriteString("type"u8, "error"u8);
        json.WriteString("code"u8, code);
        json.WriteString("message"u8, message);
        if (frame is not null)
        {
            json.WriteString("frame"u8, frame);
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
