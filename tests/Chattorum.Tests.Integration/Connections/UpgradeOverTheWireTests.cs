using System.Net.Sockets;
using System.Text;
using Chattorum.ChatApi.Upgrade;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// The chat upgrade below the HTTP layer, over a real connection to a node: how it refuses a bad upgrade and what it
/// leaves to HTTP. How it reads a head: <c>UpgradeHeadTests</c> in the unit tests.
/// </summary>
public sealed class UpgradeOverTheWireTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\nno colon here\r\n\r\n", "HTTP/1.1 400 ")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n", "HTTP/1.1 401 ")]
    public async Task Over_the_wire_a_bad_upgrade_gets_its_status_and_the_connection_closes(string request, string status)
    {
        var answer = await ExchangeAsync(Encoding.Latin1.GetBytes(request));
        Assert.StartsWith(status, answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_wire_a_head_over_the_limit_gets_431()
    {
        var request = $"GET /ws HTTP/1.1\r\nHost: h\r\nX-Padding: {new string('x', UpgradeHead.MaxBytes)}\r\n\r\n";
        Assert.StartsWith("HTTP/1.1 431 ", await ExchangeAsync(Encoding.Latin1.GetBytes(request)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_that_starts_with_another_request_is_served_by_HTTP()
    {
        var answer = await ExchangeAsync("GET /alive HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"u8.ToArray());
        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
    }

    /// <summary>Sends the bytes on a fresh connection and reads until the server closes it.</summary>
    private async Task<string> ExchangeAsync(byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Server.BaseUri.Host, fixture.Server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
