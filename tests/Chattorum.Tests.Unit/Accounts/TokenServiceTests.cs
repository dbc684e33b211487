using System.Security.Claims;
using System.Text;
using Chattorum.ChatApi.Accounts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chattorum.Tests.Unit.Accounts;

public class TokenServiceTests
{
    private static readonly AuthOptions Options = new() { SigningKey = new string('k', 40), TokenLifetime = TimeSpan.FromHours(1) };
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private TokenService Service(AuthOptions? options = null) => new(Microsoft.Extensions.Options.Options.Create(options ?? Options), _time);

    private static async Task<TokenValidationResult> ValidateAsync(string token, AuthOptions? options = null, DateTimeOffset? now = null)
    {
        var parameters = TokenService.ValidationParameters(options ?? Options);
        if (now is { } at)
        {
            parameters.LifetimeValidator = (notBefore, expires, _, p) =>
                (notBefore is null || notBefore <= at.UtcDateTime + p.ClockSkew) && expires is { } e && e > at.UtcDateTime - p.ClockSkew;
        }

        return await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
    }

    [Fact]
    public async Task An_issued_token_names_the_user_and_validates()
    {
        var (token, expires) = Service().Issue("Alice");
        Assert.Equal(_time.GetUtcNow() + Options.TokenLifetime, expires);
        var result = await ValidateAsync(token);
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("Alice", result.ClaimsIdentity.FindFirst(TokenService.UserClaim)?.Value);
    }

    [Fact]
    public async Task A_token_expires()
    {
        var (token, expires) = Service().Issue("alice");
        Assert.True((await ValidateAsync(token, now: expires.AddSeconds(-1))).IsValid);
        Assert.False((await ValidateAsync(token, now: expires.AddMinutes(1))).IsValid);
    }

    [Fact]
    public async Task A_tampered_token_is_refused()
    {
        var (token, _) = Service().Issue("alice");
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("alice", "admin", StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        Assert.False((await ValidateAsync(forged)).IsValid);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var (token, _) = Service(new AuthOptions { SigningKey = new string('x', 40) }).Issue("alice");
        Assert.False((await ValidateAsync(token)).IsValid);
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = Base64UrlEncoder.Encode($$"""{"sub":"alice","iss":"chattorum","aud":"chattorum","nbf":{{now}},"exp":{{now + 3600}}}""");
        Assert.False((await ValidateAsync($"{header}.{payload}.")).IsValid);
    }

    [Theory]
    [InlineData("someone-else", AuthOptions.Audience)]
    [InlineData(AuthOptions.Issuer, "someone-else")]
    public async Task A_token_for_another_issuer_or_audience_is_refused(string issuer, string audience)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Options.SigningKey!));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        Assert.False((await ValidateAsync(token)).IsValid);
    }

    [Fact]
    public async Task A_token_signed_with_the_key_but_another_algorithm_is_refused()
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Options.SigningKey! + Options.SigningKey));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.Issuer,
            Audience = AuthOptions.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha512),
        });
        Assert.False((await ValidateAsync(token, new AuthOptions { SigningKey = Options.SigningKey + Options.SigningKey })).IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("too short for hmac")]
    [InlineData("0123456789012345678901234567890")]
    public void A_missing_or_short_signing_key_is_refused_at_start(string? key) =>
        Assert.Throws<InvalidOperationException>(() => TokenService.SigningKey(new AuthOptions { SigningKey = key }));
}
