using System.Text.Json;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Protocol;

/// <summary>
/// Reads one client frame (a JSON object) and checks it against the protocol. Unknown properties are
/// ignored so that newer clients can talk to older servers; everything else that is off is refused
/// with an error the client can act on.
/// </summary>
public static class ClientFrameParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = ChatLimits.MaxJsonDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    public static bool TryParse(ReadOnlySpan<byte> utf8, out ClientFrame frame, out FrameError error) =>
        TryParse(utf8, ChatLimits.MaxTextLength, out frame, out error);

    /// <summary>The same, with texts of at most <paramref name="maxTextLength"/> characters (a deployment's <c>Chat:MaxTextLength</c>).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, int maxTextLength, out ClientFrame frame, out FrameError error)
    {
        frame = default;
        if (utf8.IsEmpty)
        {
            error = new FrameError(ErrorCodes.BadJson, "the frame is empty: a frame must be a JSON object");
            return false;
        }

        string? type = null, room = null, text = null, cid = null, since = null;
        try
        {
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new FrameError(ErrorCodes.BadJson, "a frame must be a JSON object");
                return false;
            }

            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ref var target = ref type;
                int property;
                if (reader.ValueTextEquals("type"u8)) { target = ref type; property = 1; }
                else if (reader.ValueTextEquals("room"u8)) { target = ref room; property = 2; }
                else if (reader.ValueTextEquals("text"u8)) { target = ref text; property = 4; }
                else if (reader.ValueTextEquals("cid"u8)) { target = ref cid; property = 8; }
                else if (reader.ValueTextEquals("since"u8)) { target = ref since; property = 16; }
                else
                {
                    reader.Skip();
                    continue;
                }

                var name = reader.GetString();

                // Twice the same property would let two readers of one frame see two different frames.
                if ((seen & property) != 0)
                {
                    error = new FrameError(ErrorCodes.BadFrame, $"'{name}' appears more than once", KnownType(type), cid);
                    return false;
                }

                seen |= property;
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    error = new FrameError(ErrorCodes.BadFrame, $"'{name}' must be a string", KnownType(type), cid);
                    return false;
                }

                target = reader.GetString();
            }

            if (reader.Read())
            {
                error = new FrameError(ErrorCodes.BadJson, "unexpected content after the frame");
                return false;
            }
        }
        catch (JsonException)
        {
            error = new FrameError(ErrorCodes.BadJson, "the frame is not valid JSON");
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on an escape sequence that is not valid UTF-16.
            error = new FrameError(ErrorCodes.BadJson, "the frame holds an invalid string");
            return false;
        }

        if (cid is { Length: > ChatLimits.MaxClientIdLength })
        {
            error = new FrameError(ErrorCodes.BadFrame, $"'cid' is longer than {ChatLimits.MaxClientIdLength} characters", KnownType(type));
            return false;
        }

        if (type is null)
        {
            error = new FrameError(ErrorCodes.BadFrame, "'type' is missing", Cid: cid);
            return false;
        }

        ClientFrameType frameType;
        switch (type)
        {
            case "join": frameType = ClientFrameType.Join; break;
            case "leave": frameType = ClientFrameType.Leave; break;
            case "send": frameType = ClientFrameType.Send; break;
            case "ping": frameType = ClientFrameType.Ping; break;
            default:
                error = new FrameError(ErrorCodes.UnknownType, "unknown frame type", Cid: cid);
                return false;
        }

        if (frameType != ClientFrameType.Ping && !Validation.IsValidRoomName(room))
        {
            error = new FrameError(ErrorCodes.BadRoom, "room names are 1 to 32 of a-z, 0-9, '_' and '-', starting with a letter or digit", type, cid);
            return false;
        }

        if (frameType == ClientFrameType.Send && !Validation.TryValidateText(text, maxTextLength, out var problem))
        {
            error = new FrameError(ErrorCodes.BadText, problem!, type, cid);
            return false;
        }

        if (frameType == ClientFrameType.Join && since is not null && !StreamId.TryParse(since, out _))
        {
            error = new FrameError(ErrorCodes.BadFrame, "'since' must be a message id such as 1732712345678-0", type, cid);
            return false;
        }

        frame = new ClientFrame(
            frameType,
            frameType == ClientFrameType.Ping ? null : room,
            frameType == ClientFrameType.Send ? text : null,
            cid,
            frameType == ClientFrameType.Join ? since : null);
        error = default;
        return true;
    }

    private static string? KnownType(string? type) => type is "join" or "leave" or "send" or "ping" ? type : null;
}
