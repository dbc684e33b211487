using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Support;

/// <summary>A private Redis and a connection to it, per test class.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectAsync(_server);
    }

    public static Task<ConnectionMultiplexer> ConnectAsync(RedisServer server)
    {
        var options = ConfigurationOptions.Parse(server.ConnectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
