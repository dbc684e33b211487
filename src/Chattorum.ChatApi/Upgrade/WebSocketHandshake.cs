namespace Chattorum.ChatApi.Upgrade;

/// <summary>What a request asks for, as far as the WebSocket handshake goes (RFC 6455 §4.2.1).</summary>
public enum HandshakeRequest
{
    /// <summary>A complete WebSocket upgrade of the version this node speaks.</summary>
    WebSocket,

    /// <summary>Not an upgrade to WebSocket, or one without a valid <c>Sec-WebSocket-Key</c>: 400.</summary>
    NotWebSocket,

    /// <summary>An upgrade to WebSocket with another <c>Sec-WebSocket-Version</c>, or none: 426 (RFC 6455 §4.4).</summary>
    UnsupportedVersion,
}

/// <summary>
/// The handshake's checks on the request's fields, the same on both upgrade paths. A field sent more than once is
/// read as its values joined with commas (RFC 9110 §5.3), which is how Kestrel hands it to the HTTP path.
/// </summary>
public static class WebSocketHandshake
{
    /// <summary>The only version of the protocol this node speaks (RFC 6455 §4.1).</summary>
    public const string Version = "13";

    public static HandshakeRequest Check(string? upgrade, string? connection, string? version, string? key)
    {
        if (!HasToken(upgrade, "websocket") || !HasToken(connection, "upgrade"))
        {
            return HandshakeRequest.NotWebSocket;
        }

        if (version?.Trim() != Version)
        {
            return HandshakeRequest.UnsupportedVersion;
        }

        return IsValidKey(key) ? HandshakeRequest.WebSocket : HandshakeRequest.NotWebSocket;
    }

    private static bool HasToken(string? list, string token) =>
        list is not null && list.Split(',').Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    /// <summary>A key is 16 bytes in base64 (RFC 6455 §4.1).</summary>
    private static bool IsValidKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return key is not null && Convert.TryFromBase64String(key, decoded, out var length) && length == 16;
    }
}
