using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Chattorum.ChatApi.Accounts;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Accounts;

public class AuthEndToEndTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    private async Task<HttpResponseMessage> PostAsync(string path, object body)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUri };
        return await http.PostAsJsonAsync(path, body);
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Registering_returns_a_token_and_the_name_is_then_taken_in_any_case()
    {
        var created = await PostAsync("/api/auth/register", new { username = "Dana_reg", password = "long enough" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await BodyAsync(created);
        Assert.Equal("Dana_reg", body.GetProperty("user").GetString());
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("token").GetString()));

        foreach (var name in new[] { "Dana_reg", "dana_reg", "DANA_REG" })
        {
            var again = await PostAsync("/api/auth/register", new { username = name, password = "another password" });
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("username_taken", (await BodyAsync(again)).GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("no", "long enough", "bad_username", "username")]
    [InlineData("with space", "long enough", "bad_username", "username")]
    [InlineData("StockBot", "long enough", "bad_username", "username")]
    [InlineData("helper_bot", "long enough", "bad_username", "username")]
    [InlineData("shortpw", "short", "bad_password", "password")]
    [InlineData("nopw", null, "bad_password", "password")]
    [InlineData(null, "long enough", "bad_username", "username")]
    public async Task Registration_refuses_bad_names_and_passwords_naming_the_field(string? username, string? password, string error, string field)
    {
        var response = await PostAsync("/api/auth/register", new { username, password });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal((error, field), (body.GetProperty("error").GetString(), body.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Login_checks_the_password_and_names_the_user_as_registered()
    {
        await PostAsync("/api/auth/register", new { username = "Erin_login", password = "erins password" });

        var ok = await PostAsync("/api/auth/login", new { username = "erin_LOGIN", password = "erins password" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Erin_login", (await BodyAsync(ok)).GetProperty("user").GetString());

        var wrong = await PostAsync("/api/auth/login", new { username = "Erin_login", password = "not erins password" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var unknown = await PostAsync("/api/auth/login", new { username = "nobody_here", password = "whatever123" });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal((await BodyAsync(wrong)).GetProperty("message").GetString(), (await BodyAsync(unknown)).GetProperty("message").GetString());
    }

    public static TheoryData<string, string> BadTokens()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Unsigned(string payload) => $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{Base64UrlEncoder.Encode(payload)}.";
        string Signed(string key, DateTime expires, string issuer = AuthOptions.Issuer) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = AuthOptions.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", "mallory")]),
            NotBefore = expires.AddHours(-2),
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

        var good = Signed(TestSecrets.SigningKey, DateTime.UtcNow.AddHours(1));
        var parts = good.Split('.');
        return new TheoryData<string, string>
        {
            { "garbage", "not.a.token" },
            { "expired", Signed(TestSecrets.SigningKey, DateTime.UtcNow.AddMinutes(-5)) },
            { "other key", Signed(new string('x', 48), DateTime.UtcNow.AddHours(1)) },
            { "other issuer", Signed(TestSecrets.SigningKey, DateTime.UtcNow.AddHours(1), "evil") },
            { "alg none", Unsigned($$"""{"sub":"mallory","iss":"chattorum","aud":"chattorum","exp":{{now + 3600}}}""") },
            { "tampered", $"{parts[0]}.{Base64UrlEncoder.Encode($$"""{"sub":"admin","iss":"chattorum","aud":"chattorum","exp":{{now + 3600}}}""")}.{parts[2]}" },
            { "signature cut", $"{parts[0]}.{parts[1]}." },
        };
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task The_socket_refuses_bad_tokens_with_401_before_the_upgrade(string why, string token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(Server.WebSocketUri(), CancellationToken.None));
        Assert.True(HttpStatusCode.Unauthorized == socket.HttpStatusCode, why);
    }

    [Fact]
    public async Task The_socket_refuses_a_missing_token_with_401()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(Server.WebSocketUri(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Browsers_pass_the_token_in_the_query()
    {
        var token = await Server.TokenAsync("query_user");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"{Server.WebSocketUri()}?access_token={Uri.EscapeDataString(token)}"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task The_sender_of_a_message_is_the_tokens_user_whatever_the_frame_says()
    {
        await using var mallory = await ConnectAsync(Server, "mallory_spoof");
        await using var victim = await ConnectAsync(Server, "victim_spoof");
        await mallory.JoinAsync("spoof");
        await victim.JoinAsync("spoof");
        await mallory.SendTextAsync("""{"type":"send","room":"spoof","text":"i am the victim","user":"victim_spoof","from":"victim_spoof"}""");
        var message = await victim.WaitForAsync(f => IsMessageIn(f, "spoof"));
        Assert.Equal("mallory_spoof", message.GetProperty("user").GetString());
    }
}
