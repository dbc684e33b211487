using System.Buffers;
using System.Text;
using Chattorum.ChatApi.Upgrade;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>
/// The chat upgrade below the HTTP layer: which connections it takes, how it reads their head, what it answers.
/// Over the wire, against a node: <c>UpgradeOverTheWireTests</c> in the integration tests.
/// </summary>
public sealed class UpgradeHeadTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\n", true)]
    [InlineData("GET /ws?access_token=x HTTP/1.1\r\n", true)]
    [InlineData("GET /wsx HTTP/1.1\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\n", false)]
    [InlineData("POST /ws HTTP/1.1\r\n", false)]
    [InlineData("PRI * HTTP/2.0\r\n", false)]
    [InlineData("\u0016\u0003\u0001", false)]
    [InlineData("GET /w", null)]
    [InlineData("", null)]
    public void Only_a_first_request_for_the_chat_endpoint_is_taken(string start, bool? expected) =>
        Assert.Equal(expected, UpgradeHead.IsChatRequest(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(start))));

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n", true)]
    [InlineData("GET /ws HTTP/1.1\r\nHOST: h\r\nupgrade: WebSocket\r\nconnection: upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: " + Key + "\r\n\r\n", true)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n", false)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n\r\n", false)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n\r\n", false)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\n\r\n", false)]
    public void A_head_is_an_upgrade_only_with_every_part_of_the_handshake(string text, bool isUpgrade)
    {
        Assert.True(UpgradeHead.TryRead(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out var head, out _));
        Assert.Equal(isUpgrade, head!.Request == HandshakeRequest.WebSocket);
        Assert.Equal("h", head.Host);
    }

    [Theory]
    [InlineData("GET /ws HTTP/1.0\r\nHost: h\r\n\r\n")]
    [InlineData("GET /ws/other HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nno colon here\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")]
    public void A_malformed_head_is_read_as_malformed(string text)
    {
        Assert.True(UpgradeHead.TryRead(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out var head, out _));
        Assert.Null(head);
    }

    public static TheoryData<string> Cases() => [.. UpgradeHeadCases.Names];

    /// <summary>The table the integration tests send to both upgrade paths: the parser alone gives each case its status.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_head_of_the_table_gets_its_status(string name)
    {
        var bytes = new ReadOnlySequence<byte>(UpgradeHeadCases.Request(name, "h", "t"));
        Assert.True(UpgradeHead.TryRead(bytes, out var head, out _));
        var status = head?.Request switch
        {
            null => 400,
            HandshakeRequest.WebSocket => 101,
            HandshakeRequest.UnsupportedVersion => 426,
            _ => 400,
        };
        Assert.Equal(UpgradeHeadCases.Status(name), status);
    }

    [Fact]
    public void A_head_without_its_empty_line_needs_more_bytes()
    {
        Assert.False(UpgradeHead.TryRead(new ReadOnlySequence<byte>("GET /ws HTTP/1.1\r\nHost: h\r\n"u8.ToArray()), out _, out _));
    }

    [Theory]
    [InlineData("/ws?access_token=abc.def.ghi", "abc.def.ghi")]
    [InlineData("/ws?x=1&access_token=a%2Bb&y=2", "a+b")]
    [InlineData("/ws?access_tokens=no", null)]
    [InlineData("/ws?access_token=a&access_token=a", null)]
    [InlineData("/ws", null)]
    public void The_query_token_is_found_and_unescaped(string target, string? token)
    {
        UpgradeHead.TryRead(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes($"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n")), out var head, out _);
        Assert.Equal(token, head!.QueryToken);
    }

    [Fact]
    public void The_accept_key_is_the_one_RFC_6455_gives_for_its_sample_key()
    {
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", Encoding.ASCII.GetString(UpgradeHead.SwitchingProtocols(Key)), StringComparison.Ordinal);
    }
}
