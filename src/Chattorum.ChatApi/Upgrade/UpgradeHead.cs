using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.WebUtilities;

namespace Chattorum.ChatApi.Upgrade;

/// <summary>
/// The head of an HTTP/1.1 request for the chat endpoint, as far as a WebSocket upgrade needs it (RFC 6455 §4.2). A
/// head is read as Kestrel reads it for the HTTP path, and what RFC 9110 and RFC 9112 say to refuse, or what Kestrel
/// refuses, is malformed (400): a bare CR or LF anywhere (Kestrel is told to accept no bare LF either, see
/// <see cref="ChatApplication"/>), NUL, bytes that are not UTF-8, a line folded onto the one before it (obs-fold), a
/// field name that is not a token (whitespace before its colon among them), no <c>Host</c> or two, and a body
/// (<c>Content-Length</c> or <c>Transfer-Encoding</c>), whose bytes would otherwise be read as WebSocket frames.
/// </summary>
public sealed record UpgradeHead(string? Authorization, string? QueryToken, string? Origin, string Host, HandshakeRequest Request, string? Key)
{
    public const int MaxBytes = ChatLimits.MaxUpgradeHeadBytes;

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether the connection starts with <c>GET /ws</c> (then a space or a query); null while too few bytes have come to tell.</summary>
    public static bool? IsChatRequest(in ReadOnlySequence<byte> start)
    {
        ReadOnlySpan<byte> prefix = "GET /ws"u8;
        Span<byte> first = stackalloc byte[prefix.Length + 1];
        var length = (int)Math.Min(start.Length, first.Length);
        start.Slice(0, length).CopyTo(first);
        if (length < first.Length)
        {
            return prefix.StartsWith(first[..length]) ? null : false;
        }

        return first[..prefix.Length].SequenceEqual(prefix) && first[^1] is (byte)' ' or (byte)'?';
    }

    /// <summary>
    /// Reads a whole head, up to and including its empty line. False while more bytes are needed; true with a
    /// null <paramref name="head"/> when the head is malformed, which a bare CR or LF shows before the head's end.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out UpgradeHead? head, out SequencePosition end)
    {
        head = null;
        var reader = new SequenceReader<byte>(buffer);
        var lineStart = 0L;
        while (reader.TryAdvanceToAny("\r\n"u8, advancePastDelimiter: false))
        {
            var atLineStart = reader.Consumed == lineStart;
            reader.TryRead(out var terminator);
            if (terminator == (byte)'\r' && !reader.TryPeek(out _))
            {
                // A CR at the end of what came so far: its LF may be on its way.
                break;
            }

            if (terminator == (byte)'\n' || !reader.IsNext((byte)'\n'))
            {
                // A bare LF, or a CR not followed by LF (RFC 9112 §2.2).
                end = reader.Position;
                return true;
            }

            reader.Advance(1);
            if (atLineStart && lineStart > 0)
            {
                // The empty line: the head is everything before it.
                end = reader.Position;
                head = Parse(buffer.Slice(0, lineStart - 2));
                return true;
            }

            lineStart = reader.Consumed;
        }

        end = buffer.Start;
        return false;
    }

    private static UpgradeHead? Parse(in ReadOnlySequence<byte> bytes)
    {
        var raw = bytes.ToArray();
        if (raw.AsSpan().Contains((byte)0) || !Utf8.IsValid(raw))
        {
            return null;
        }

        var lines = Encoding.UTF8.GetString(raw).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"] ||
            !(target == ChatEndpoint.Path || target.StartsWith(ChatEndpoint.Path + "?", StringComparison.Ordinal)))
        {
            return null;
        }

        var fields = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            // A line that starts with whitespace continues the one before it (obs-fold): refused, as Kestrel does.
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
            {
                return null;
            }

            var name = line[..colon];
            if (ReadFields.Contains(name))
            {
                if (!fields.TryGetValue(name, out var values))
                {
                    fields[name] = values = [];
                }

                values.Add(line[(colon + 1)..].Trim(Whitespace));
            }
        }

        // A field sent more than once: its values joined with commas, as Kestrel joins them for the HTTP path.
        string? Field(string name) => fields.TryGetValue(name, out var values) ? string.Join(',', values) : null;
        if (!fields.TryGetValue("host", out var hosts) || hosts.Count != 1 || fields.ContainsKey("content-length") || fields.ContainsKey("transfer-encoding"))
        {
            return null;
        }

        var key = Field("sec-websocket-key");
        var request = WebSocketHandshake.Check(Field("upgrade"), Field("connection"), Field("sec-websocket-version"), key);
        return new UpgradeHead(Field("authorization"), QueryValue(target, ChatEndpoint.TokenQueryParameter), Field("origin"), hosts[0], request, key);
    }

    /// <summary>The fields an upgrade reads, and those that say it has a body.</summary>
    private static readonly HashSet<string> ReadFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "origin", "host", "upgrade", "connection", "sec-websocket-version", "sec-websocket-key", "content-length", "transfer-encoding",
    };

    /// <summary>Optional whitespace around a field value (RFC 9110 §5.6.3).</summary>
    private static readonly char[] Whitespace = [' ', '\t'];

    /// <summary>A field name is a token (RFC 9110 §5.1, §5.6.2).</summary>
    internal static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return !name.IsEmpty;
    }

    /// <summary>The answer that completes the upgrade.</summary>
    public static byte[] SwitchingProtocols(string key)
    {
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        return Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }

    /// <summary>A refusal, with the fields it carries (<see cref="Admission.Fields"/>), after which the connection closes.</summary>
    public static byte[] Refusal(Admission admission)
    {
        var body = Encoding.UTF8.GetBytes(admission.Reason);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {admission.Status} {ReasonPhrases.GetReasonPhrase(admission.Status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n");
        foreach (var (name, value) in admission.Fields())
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }

    private static string? QueryValue(string target, string name)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
        {
            return null;
        }

        // A parameter given twice names no token: the HTTP path takes only a single value.
        string? found = null;
        foreach (var pair in target[(question + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == name)
            {
                if (found is not null)
                {
                    return null;
                }

                found = Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return found;
    }
}
