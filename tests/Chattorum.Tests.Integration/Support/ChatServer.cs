using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Chattorum.ChatApi;
using Chattorum.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.Tests.Integration.Support;

/// <summary>Where clients reach a chat node, and how they get an account on it.</summary>
public interface IChatEndpoint
{
    Uri BaseUri { get; }
}

/// <summary>A node known only by its address (behind the AppHost's proxy, say).</summary>
public sealed record ChatEndpointAt(Uri BaseUri) : IChatEndpoint;

public static class ChatEndpointExtensions
{
    private static readonly ConcurrentDictionary<string, string> Tokens = new();
    private static readonly HttpClient Http = new();

    public static Uri WebSocketUri(this IChatEndpoint node) => new($"ws://{node.BaseUri.Authority}{ChatEndpoint.Path}");

    /// <summary>
    /// Registers the user and returns a token. Tokens are kept for the run: every node of a run shares the
    /// signing key, and a token stands on its own, so later connections reuse it rather than log in again.
    /// </summary>
    public static async Task<string> TokenAsync(this IChatEndpoint node, string user)
    {
        if (Tokens.TryGetValue(user, out var known))
        {
            return known;
        }

        var response = await Http.PostAsJsonAsync(new Uri(node.BaseUri, "/api/auth/register"), new { username = user, password = TestSecrets.Password });
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            response = await Http.PostAsJsonAsync(new Uri(node.BaseUri, "/api/auth/login"), new { username = user, password = TestSecrets.Password });
        }

        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenBody>())!.Token;
        Tokens[user] = token;
        return token;
    }

    private sealed record TokenBody(string Token);
}

/// <summary>The real chat node on Kestrel, on a free loopback port, in this process.</summary>
public sealed class ChatServer : IChatEndpoint, IAsyncDisposable
{
    private readonly RedisServer? _ownRedis;

    private ChatServer(WebApplication app, Uri baseUri, RedisServer? ownRedis)
    {
        App = app;
        BaseUri = baseUri;
        _ownRedis = ownRedis;
    }

    /// <summary>The page's files, copied next to the tests (see the test project), so every node serves the web page.</summary>
    public static string WebRoot { get; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    public WebApplication App { get; }

    public Uri BaseUri { get; }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>A node with a Redis of its own.</summary>
    public static async Task<ChatServer> StartAsync(params string[] settings)
    {
        var redis = await RedisServer.StartAsync();
        try
        {
            return await StartAsync(redis, ownsRedis: true, settings);
        }
        catch
        {
            // A node that refuses to start (bad settings) must not leave its Redis running.
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>A node on a shared Redis.</summary>
    public static Task<ChatServer> StartAsync(RedisServer redis, params string[] settings) => StartAsync(redis, ownsRedis: false, settings);

    private static async Task<ChatServer> StartAsync(RedisServer redis, bool ownsRedis, string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            "--Logging:LogLevel:Default", "Warning",
            "--ConnectionStrings:cache", redis.ConnectionString,
            "--Auth:SigningKey", TestSecrets.SigningKey,
            "--webroot", WebRoot,
            .. settings,
        ];
        var app = ChatApplication.Build(args);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ChatServer(app, new Uri(address), ownsRedis ? redis : null);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownRedis is not null)
        {
            await _ownRedis.DisposeAsync();
        }
    }
}

/// <summary>One chat node with its own Redis per test class.</summary>
public sealed class ChatServerFixture : IAsyncLifetime
{
    private ChatServer? _server;

    public ChatServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await ChatServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
