using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Chattorum.ChatApi.Upgrade;

/// <summary>The head of an HTTP/1.1 request for the chat endpoint, as far as a WebSocket upgrade needs it (RFC 6455 §4.2).</summary>
public sealed record UpgradeHead(string? Authorization, string? QueryToken, string? Origin, string Host, bool IsUpgrade, string? Key)
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
    /// null <paramref name="head"/> when the head is malformed.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out UpgradeHead? head, out SequencePosition end)
    {
        head = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> bytes, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            end = buffer.Start;
            return false;
        }

        end = reader.Position;
        head = Parse(Encoding.Latin1.GetString(bytes));
        return true;
    }

    private static UpgradeHead? Parse(string text)
    {
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"] ||
            !(target == ChatEndpoint.Path || target.StartsWith(ChatEndpoint.Path + "?", StringComparison.Ordinal)))
        {
            return null;
        }

        string? authorization = null, origin = null, host = null, upgrade = null, connection = null, version = null, key = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }

            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].ToLowerInvariant())
            {
                case "authorization": authorization ??= value; break;
                case "origin": origin ??= value; break;
                case "host": host ??= value; break;
                case "upgrade": upgrade ??= value; break;
                case "connection": connection ??= value; break;
                case "sec-websocket-version": version ??= value; break;
                case "sec-websocket-key": key ??= value; break;
            }
        }

        if (host is null)
        {
            return null;
        }

        var isUpgrade = HasToken(upgrade, "websocket") && HasToken(connection, "upgrade") && version == "13" && IsValidKey(key);
        return new UpgradeHead(authorization, QueryValue(target, ChatEndpoint.TokenQueryParameter), origin, host, isUpgrade, key);
    }

    /// <summary>The answer that completes the upgrade.</summary>
    public static byte[] SwitchingProtocols(string key)
    {
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        return Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }

    /// <summary>A refusal, after which the connection closes.</summary>
    public static byte[] Refusal(int status, string reason)
    {
        var body = Encoding.UTF8.GetBytes(reason);
        var challenge = status == StatusCodes.Status401Unauthorized ? "WWW-Authenticate: Bearer\r\n" : "";
        var head = $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n{challenge}Connection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    private static bool HasToken(string? list, string token) =>
        list is not null && list.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    private static bool IsValidKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return key is not null && Convert.TryFromBase64String(key, decoded, out var length) && length == 16;
    }

    private static string? QueryValue(string target, string name)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
        {
            return null;
        }

        foreach (var pair in target[(question + 1)..].Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == name)
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }
}
