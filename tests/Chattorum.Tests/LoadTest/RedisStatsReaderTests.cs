using System.Net.Sockets;
using System.Text;
using Chattorum.LoadTest;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.LoadTest;

/// <summary>The load tool's RESP reading, from bytes and against a real redis-server.</summary>
public class RedisStatsReaderTests
{
    public static TheoryData<string, string?> Replies => new()
    {
        { "$5\r\nhello\r\n", "hello" },
        { "$0\r\n\r\n", "" },
        { "$16\r\n# Commandstats\r\n\r\n", "# Commandstats\r\n" },
        { "$5\r\nhel", null },
        { "$5\r\nhello", null },
        { "$5", null },
        { "", null },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_bulk_string_is_read_once_it_is_whole(string reply, string? value)
    {
        Assert.Equal(value is not null, RespReply.TryReadBulkString(Encoding.UTF8.GetBytes(reply), out var read));
        Assert.Equal(value, read);
    }

    [Theory]
    [InlineData("-NOAUTH Authentication required.\r\n", "Redis answered: NOAUTH Authentication required.")]
    [InlineData("-ERR unknown command 'INFO'\r\n", "Redis answered: ERR unknown command 'INFO'")]
    [InlineData("$-1\r\n", "Redis answered with a null bulk string")]
    [InlineData("+OK\r\n", "Redis answered with something other than a bulk string: '+OK'")]
    [InlineData("*1\r\n$1\r\na\r\n", "Redis answered with something other than a bulk string: '*1'")]
    public void Anything_but_a_bulk_string_is_refused_with_what_redis_said(string reply, string message) =>
        Assert.Equal(message, Assert.Throws<InvalidOperationException>(() => RespReply.TryReadBulkString(Encoding.UTF8.GetBytes(reply), out _)).Message);

    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1", 6379)]
    [InlineData("redis.internal:7000", "redis.internal", 7000)]
    [InlineData("[::1]:6380", "::1", 6380)]
    public void Endpoints(string text, string host, int port)
    {
        var endpoint = RedisEndpoint.Parse(text);
        Assert.Equal((host, port), (endpoint.Host, endpoint.Port));
        Assert.Equal(text, endpoint.ToString());
    }

    [Fact]
    public async Task Between_two_readings_a_quiet_server_shows_exactly_the_commands_sent_to_it()
    {
        await using var redis = await RedisServer.StartAsync();
        RedisEndpoint[] endpoints = [new("127.0.0.1", redis.Port)];

        var before = await RedisStatsReader.ReadAsync(endpoints, CancellationToken.None);
        await SendAsync(redis.Port, "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", replies: 3);
        var after = await RedisStatsReader.ReadAsync(endpoints, CancellationToken.None);

        var window = after.Since(before, out var wentBack).Without(RedisStatsReader.OwnCommand, endpoints.Length);
        Assert.False(wentBack);
        Assert.Equal(new Dictionary<string, long> { ["ping"] = 2, ["set"] = 1 }, window.Calls);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_named_in_the_error()
    {
        var endpoint = new RedisEndpoint("127.0.0.1", FreePort.Next());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisStatsReader.ReadAsync(endpoint, CancellationToken.None));
        Assert.StartsWith($"--redis {endpoint}: cannot read INFO commandstats", error.Message, StringComparison.Ordinal);
    }

    private static async Task SendAsync(int port, string commands, int replies)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(commands));
        var received = new StringBuilder();
        var buffer = new byte[256];
        while (received.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length < replies)
        {
            var read = await stream.ReadAsync(buffer);
            Assert.True(read > 0, "redis closed the connection");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }
}
