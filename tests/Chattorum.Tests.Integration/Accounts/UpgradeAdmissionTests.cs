using System.Net.Sockets;
using System.Text;
using Chattorum.Tests.Integration.EndToEnd;
using Chattorum.Tests.Integration.Support;
using Microsoft.IdentityModel.Tokens;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>
/// Who may open a socket, asked over raw TCP on both upgrade paths: a connection's first request (upgraded below
/// HTTP by the chat listener) and a request after another on a kept-alive connection (the HTTP fallback). Both
/// must give the same answer to every case, before any WebSocket exists.
/// </summary>
public class UpgradeAdmissionTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private ChatServer Server => fixture.Server;

    public static TheoryData<bool, string, int> Cases()
    {
        var data = new TheoryData<bool, string, int>();
        foreach (var afterAnotherRequest in new[] { false, true })
        {
            data.Add(afterAnotherRequest, "a valid token", 101);
            data.Add(afterAnotherRequest, "a valid token in the query", 101);
            data.Add(afterAnotherRequest, "no token", 401);
            data.Add(afterAnotherRequest, "a tampered token", 401);
            data.Add(afterAnotherRequest, "an alg none token", 401);
            data.Add(afterAnotherRequest, "a foreign origin", 403);
            data.Add(afterAnotherRequest, "a foreign origin with the token in the query", 403);
            data.Add(afterAnotherRequest, "no websocket key", 400);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_upgrade_path_admits_and_refuses_alike(bool afterAnotherRequest, string @case, int status)
    {
        var token = await Server.TokenAsync("admission_user");
        var parts = token.Split('.');
        var authority = Server.BaseUri.Authority;
        var (target, headers) = @case switch
        {
            "a valid token" => ("/ws", $"Authorization: Bearer {token}\r\n"),
            "a valid token in the query" => ($"/ws?access_token={token}", ""),
            "no token" => ("/ws", ""),
            "a tampered token" => ("/ws", $"Authorization: Bearer {parts[0]}.{Base64UrlEncoder.Encode("""{"sub":"admin","iss":"chattorum","aud":"chattorum","exp":4102444800}""")}.{parts[2]}\r\n"),
            "an alg none token" => ("/ws", $"Authorization: Bearer {Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.\r\n"),
            "a foreign origin" => ("/ws", $"Authorization: Bearer {token}\r\nOrigin: http://evil.example\r\n"),
            "a foreign origin with the token in the query" => ($"/ws?access_token={token}", "Origin: http://evil.example\r\n"),
            _ => ("/ws", $"Authorization: Bearer {token}\r\n"),
        };
        var key = @case == "no websocket key" ? "" : $"Sec-WebSocket-Key: {Key}\r\n";
        var upgrade = $"GET {target} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n{key}{headers}\r\n";

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.BaseUri.Host, Server.BaseUri.Port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 15_000;
        if (afterAnotherRequest)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {authority}\r\n\r\n"));
            Assert.Equal(200, await ReadResponseAsync(stream));
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(upgrade));
        Assert.Equal(status, await ReadResponseAsync(stream));
    }

    /// <summary>Reads one response (its head and, when it says how long, its body) and returns its status.</summary>
    private static async Task<int> ReadResponseAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException($"the connection closed after: {head}");
            }

            head.Append((char)one[0]);
        }

        var lines = head.ToString().Split("\r\n");
        var length = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
            ? int.Parse(header["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        if (lines.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)))
        {
            var body = new StringBuilder();
            while (!body.ToString().EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(one);
                body.Append((char)one[0]);
            }
        }
        else if (length > 0)
        {
            await stream.ReadExactlyAsync(new byte[length]);
        }

        return int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
