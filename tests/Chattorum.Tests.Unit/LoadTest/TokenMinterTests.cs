using System.Text;
using System.Text.Json;
using Chattorum.ChatApi.Accounts;
using Chattorum.LoadTest;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>The tokens the load tool makes from the nodes' signing key, against the server's own TokenService.</summary>
public class TokenMinterTests
{
    private static readonly string Key = Convert.ToBase64String(Encoding.UTF8.GetBytes("a signing key of forty-eight bytes, for the tests"));
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private static TokenService Server(string key = "", TimeProvider? time = null) =>
        new(Options.Create(new AuthOptions { SigningKey = key.Length > 0 ? key : Key }), time ?? TimeProvider.System);

    [Theory]
    [InlineData("lta1b2c3u0")]
    [InlineData("lta1b2c3u19999")]
    [InlineData("Alice_99")]
    public async Task The_server_accepts_a_minted_token_for_its_user(string user)
    {
        var token = new TokenMinter(Key).Mint(user);
        Assert.Equal(user, await Server().ValidateAsync(token));
    }

    [Fact]
    public async Task A_token_minted_with_another_key_is_refused()
    {
        var token = new TokenMinter(Key).Mint("mallory");
        Assert.Null(await Server(key: new string('x', 40)).ValidateAsync(token));
    }

    [Fact]
    public void It_carries_the_claims_the_server_issues_with_the_same_times()
    {
        var issued = Server(time: _time).Issue("alice").Token;
        var minted = new TokenMinter(Key, _time).Mint("alice");

        foreach (var part in new[] { Header, Payload })
        {
            var expected = Decode(issued, part);
            var actual = Decode(minted, part);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, value) in expected)
            {
                Assert.True(value.ToString() == actual[name].ToString(), $"{name}: issued {value}, minted {actual[name]}");
            }
        }

        Assert.Equal(new AuthOptions().TokenLifetime, TokenMinter.Lifetime);
        Assert.Equal((AuthOptions.Issuer, AuthOptions.Audience, AuthOptions.MinSigningKeyBytes), (TokenMinter.Issuer, TokenMinter.Audience, TokenMinter.MinSigningKeyBytes));
    }

    [Fact]
    public void A_key_shorter_than_the_nodes_accept_is_refused() =>
        Assert.Throws<ArgumentException>(() => new TokenMinter(new string('k', AuthOptions.MinSigningKeyBytes - 1)));

    [Fact]
    public void Every_user_gets_their_own_token() =>
        Assert.Equal(3, new TokenMinter(Key).Mint(["a_1", "a_2", "a_3"]).Distinct().Count());

    private const int Header = 0;
    private const int Payload = 1;

    private static Dictionary<string, JsonElement> Decode(string token, int part)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(System.Buffers.Text.Base64Url.DecodeFromChars(parts[part]))!;
    }
}
