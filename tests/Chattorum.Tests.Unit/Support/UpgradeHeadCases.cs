using System.Text;

namespace Chattorum.Tests.Support;

/// <summary>
/// One table of WebSocket upgrade requests, as the raw bytes a client sends, each with the status it must get from a
/// node (given a valid token and no foreign origin): what RFC 9110, RFC 9112 and RFC 6455 (§4.2.1, §4.4) require to
/// be refused is refused. The unit tests read every case with the head parser (<c>UpgradeHeadTests</c>); the
/// integration tests send every case over a real socket to both upgrade paths, the listener below HTTP and Kestrel's
/// HTTP pipeline, which must answer alike (<c>UpgradeHeadCaseTests</c>).
/// </summary>
public static class UpgradeHeadCases
{
    /// <summary>RFC 6455's sample key (§1.3).</summary>
    public const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private const string Host = "Host: {host}\r\n";
    private const string Upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    private const string Version = "Sec-WebSocket-Version: 13\r\n";
    private const string KeyField = "Sec-WebSocket-Key: " + Key + "\r\n";
    private const string Token = "Authorization: Bearer {token}\r\n";

    /// <summary>A complete, valid upgrade with <paramref name="fields"/> after its own, then <paramref name="body"/>.</summary>
    private static string Valid(string fields = "", string body = "") => Head(Host + Upgrade + Version + KeyField + Token + fields, body);

    private static string Head(string fields, string body = "") => "GET /ws HTTP/1.1\r\n" + fields + "\r\n" + body;

    private static readonly (string Name, string Request, int Status)[] Table =
    [
        ("a valid upgrade", Valid(), 101),
        ("two Host fields", Valid("Host: {host}\r\n"), 400),
        ("no Host field", Head(Upgrade + Version + KeyField + Token), 400),
        ("NUL in a field value", Valid("X-Note: a\0b\r\n"), 400),
        ("a bare CR in a field value", Valid("X-Note: a\rb\r\n"), 400),
        ("a bare LF in a field value", Valid("X-Note: a\nb\r\n"), 400),
        ("a bare LF ending a field line", Valid("X-Note: a\nX-Other: b\r\n"), 400),
        ("an obs-fold line starting with SP", Valid("X-Note: a\r\n b\r\n"), 400),
        ("an obs-fold line starting with HTAB", Valid("X-Note: a\r\n\tb\r\n"), 400),
        ("SP between a field name and its colon", Valid("X-Note : a\r\n"), 400),
        ("HTAB between a field name and its colon", Valid("X-Note\t: a\r\n"), 400),
        ("a field name that is not a token", Valid("X(Note): a\r\n"), 400),
        ("a field line without a colon", Valid("no colon here\r\n"), 400),
        ("Content-Length 0", Valid("Content-Length: 0\r\n"), 400),
        ("Content-Length with a body", Valid("Content-Length: 5\r\n", "hello"), 400),
        ("two Content-Length fields", Valid("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), 400),
        ("Transfer-Encoding chunked", Valid("Transfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400),
        ("not a WebSocket upgrade", Head(Host + "Connection: keep-alive\r\n" + Version + KeyField + Token), 400),
        ("no Sec-WebSocket-Key", Head(Host + Upgrade + Version + Token), 400),
        ("two Sec-WebSocket-Key fields", Valid(KeyField), 400),
        ("Sec-WebSocket-Version 8", Head(Host + Upgrade + "Sec-WebSocket-Version: 8\r\n" + KeyField + Token), 426),
        ("no Sec-WebSocket-Version", Head(Host + Upgrade + KeyField + Token), 426),
        ("a tab and visible characters in a field value", Valid("X-Note: a\tb ~!\r\n"), 101),
        // RFC 9110 §5.5 lets a recipient keep control characters other than NUL, CR and LF; Kestrel keeps them.
        ("DEL in a field value", Valid("X-Note: a\u007Fb\r\n"), 101),
        // obs-text that is not UTF-8: Kestrel decodes field values as UTF-8 and refuses what is not.
        ("obs-text in a field value", Valid("X-Note: caf\u00E9\r\n"), 400),
        ("UTF-8 in a field value", Valid("X-Note: caf\u00C3\u00A9\r\n"), 101),
    ];

    /// <summary>Every case's name, for a theory.</summary>
    public static IEnumerable<string> Names => Table.Select(c => c.Name);

    /// <summary>The status a case must get.</summary>
    public static int Status(string name) => Find(name).Status;

    /// <summary>A case's bytes (head and any body), for a node at <paramref name="host"/> and a user's <paramref name="token"/>.</summary>
    public static byte[] Request(string name, string host, string token) =>
        Encoding.Latin1.GetBytes(Find(name).Request.Replace("{host}", host, StringComparison.Ordinal).Replace("{token}", token, StringComparison.Ordinal));

    private static (string Name, string Request, int Status) Find(string name) => Table.Single(c => c.Name == name);
}
