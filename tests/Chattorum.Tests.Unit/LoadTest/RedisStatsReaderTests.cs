using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

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
}
