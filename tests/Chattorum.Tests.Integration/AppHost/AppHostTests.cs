using System.Net;
using System.Net.Sockets;
using System.Text;
using Aspire.Hosting.Testing;

namespace Chattorum.Tests.Integration.AppHost;

[Collection(AppHostCollection.Name)]
public class AppHostTests(AppHostFixture fixture)
{
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ChatApi_health_answers_200_through_its_endpoint()
    {
        using var client = fixture.CreateChatApiClient();
        using var timeout = new CancellationTokenSource(IoTimeout);

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(fixture.GetChatApiEndpoint().Port, client.BaseAddress!.Port);
    }

    [Fact]
    public async Task Cache_connection_string_reaches_a_Redis_that_answers_PING()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("cache");

        // StackExchange.Redis configuration: "host:port" then ",option=value" pairs (a container adds a password).
        Assert.False(string.IsNullOrEmpty(connectionString));
        var parts = connectionString.Split(',', StringSplitOptions.TrimEntries);
        var (host, port) = SplitHostPort(parts[0]);
        var password = parts.Skip(1)
            .Select(p => p.Split('=', 2))
            .FirstOrDefault(kv => kv.Length == 2 && kv[0].Equals("password", StringComparison.OrdinalIgnoreCase))?[1];

        var command = password is null ? "PING\r\n" : $"AUTH {password}\r\nPING\r\n";
        var reply = await ExchangeAsync(host, port, Encoding.ASCII.GetBytes(command), r => Encoding.ASCII.GetString(r).Contains("+PONG", StringComparison.Ordinal));

        Assert.Contains("+PONG", Encoding.ASCII.GetString(reply), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messaging_connection_string_is_an_AMQP_URI_to_a_broker_that_answers_the_protocol_header()
    {
        var connectionString = await fixture.App.GetConnectionStringAsync("messaging");

        Assert.False(string.IsNullOrEmpty(connectionString));
        var uri = new Uri(connectionString);
        Assert.Equal("amqp", uri.Scheme);
        // The local node's administrator (a generated password; the services connect as their own users), or the
        // container image's default user.
        Assert.Matches("^(admin|guest):.", uri.UserInfo);

        byte[] header = [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 0, 9, 1];
        var reply = await ExchangeAsync(uri.Host, uri.Port, header, r => r.Length >= 7);

        // Connection.Start: a method frame (type 1) on channel 0.
        Assert.Equal(1, reply[0]);
        Assert.Equal(0, reply[1]);
        Assert.Equal(0, reply[2]);
    }

    private static (string Host, int Port) SplitHostPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        Assert.True(colon > 0, $"'{endpoint}' is not host:port");
        return (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<byte[]> ExchangeAsync(string host, int port, byte[] request, Func<byte[], bool> complete)
    {
        using var timeout = new CancellationTokenSource(IoTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(request, timeout.Token);

        var buffer = new byte[256];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (complete(buffer[..read]))
            {
                break;
            }
        }

        return buffer[..read];
    }
}
