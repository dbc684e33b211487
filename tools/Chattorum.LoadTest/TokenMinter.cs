using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Chattorum.LoadTest;

/// <summary>
/// Makes the chat tokens a node would issue, from the nodes' signing key (<c>Auth:SigningKey</c>), so that a run
/// of thousands of distinct users needs no sign-ups (each hashes a password on the server: ~38 ms of a core).
/// The same token as <c>TokenService.Issue</c> in Chattorum.ChatApi: an HS256 JWT with issuer and audience
/// <c>chattorum</c>, the user in <c>sub</c>, <c>iat</c> and <c>nbf</c> now, <c>exp</c> after the default token
/// lifetime. A test checks that the server's own validation accepts it.
/// </summary>
internal sealed class TokenMinter
{
    public const string Issuer = "chattorum";
    public const string Audience = "chattorum";

    /// <summary>The shortest key the nodes accept (<c>AuthOptions.MinSigningKeyBytes</c>): HMAC-SHA256 wants 256 bits.</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary><c>AuthOptions.TokenLifetime</c>'s default.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public TokenMinter(string signingKey, TimeProvider? time = null)
    {
        _key = Encoding.UTF8.GetBytes(signingKey);
        if (_key.Length < MinSigningKeyBytes)
        {
            throw new ArgumentException($"the signing key must be at least {MinSigningKeyBytes} bytes, as the nodes require", nameof(signingKey));
        }

        _time = time ?? TimeProvider.System;
    }

    public string Mint(string user)
    {
        var now = _time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        using var payload = new MemoryStream();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString("sub", user);
            json.WriteString("iss", Issuer);
            json.WriteString("aud", Audience);
            json.WriteNumber("iat", issuedAt);
            json.WriteNumber("nbf", issuedAt);
            json.WriteNumber("exp", (now + Lifetime).ToUnixTimeSeconds());
            json.WriteEndObject();
        }

        var signed = $"{Header}.{Base64Url.EncodeToString(payload.GetBuffer().AsSpan(0, (int)payload.Length))}";
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }

    public string[] Mint(IReadOnlyList<string> users) => [.. users.Select(Mint)];
}
