using System.Net;
using System.Net.Http.Json;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>
/// A page on an origin of <c>Chat:AllowedOrigins</c> may open <c>/ws</c>, and so it may also sign in: the browser's
/// preflight and the sign-in's answer carry the CORS headers for it, and for no other origin.
/// </summary>
public sealed class AuthCorsTests : IAsyncLifetime
{
    private const string Allowed = "https://chat.example.com";
    private ChatServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await ChatServer.StartAsync("--Chat:AllowedOrigins:0", Allowed + "/");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/api/auth/login", Allowed, true)]
    [InlineData("/api/auth/register", Allowed, true)]
    [InlineData("/api/auth/login", "https://CHAT.example.com", true)]
    [InlineData("/api/auth/login", "http://chat.example.com", false)]
    [InlineData("/api/auth/login", "https://evil.example", false)]
    [InlineData("/api/auth/login", "null", false)]
    public async Task A_preflight_is_answered_for_the_allowed_origins_only(string path, string origin, bool allowed)
    {
        using var http = new HttpClient { BaseAddress = _server.BaseUri };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");

        using var response = await http.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        if (allowed)
        {
            Assert.Equal(origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods"));
            Assert.Contains("Content-Type", response.Headers.GetValues("Access-Control-Allow-Headers"), StringComparer.OrdinalIgnoreCase);
            Assert.Equal("600", Assert.Single(response.Headers.GetValues("Access-Control-Max-Age")));
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        }
        else
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    [Theory]
    [InlineData(Allowed, true)]
    [InlineData("https://evil.example", false)]
    [InlineData(null, false)]
    public async Task A_sign_up_from_a_page_gets_the_origin_header_only_when_its_origin_is_allowed(string? origin, bool allowed)
    {
        using var http = new HttpClient { BaseAddress = _server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { username = $"cors_{Guid.NewGuid():N}"[..20], password = "long enough" }),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request);

        // CORS decides what a browser lets the page read, not what the server does: the account is made either way.
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(allowed, response.Headers.Contains("Access-Control-Allow-Origin"));
        if (allowed)
        {
            Assert.Equal(origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        }
    }
}
