using System.Net.Sockets;
using System.Text;
using Chattorum.LoadTest;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.LoadTest;

/// <summary>The commandstats reader against a real redis-server.</summary>
public sealed class RedisStatsReaderOverTheWireTests
{
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
