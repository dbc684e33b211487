using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chattorum.ChatApi.Accounts;

/// <summary>Issues the HS256 bearer tokens that every node accepts, and says how they are checked.</summary>
public sealed class TokenService(IOptions<AuthOptions> options, TimeProvider time)
{
    public const string UserClaim = "sub";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _validation = ValidationParameters(options.Value);

    public (string Token, DateTimeOffset ExpiresAt) Issue(string user)
    {
        var now = time.GetUtcNow();
        var expires = now + options.Value.TokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.Issuer,
            Audience = AuthOptions.Audience,
            Subject = new ClaimsIdentity([new Claim(UserClaim, user)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey(options.Value), SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    /// <summary>The user a token names, or null when the token is not one of ours or no longer valid.</summary>
    public async Task<string?> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _validation).ConfigureAwait(false);
        return result.IsValid && result.Claims.TryGetValue(UserClaim, out var user) ? user as string : null;
    }

    public static SymmetricSecurityKey SigningKey(AuthOptions options)
    {
        var key = options.SigningKey;
        if (string.IsNullOrEmpty(key) || Encoding.UTF8.GetByteCount(key) < AuthOptions.MinSigningKeyBytes)
        {
            throw new InvalidOperationException(
                $"Auth:SigningKey must be set to a secret of at least {AuthOptions.MinSigningKeyBytes} bytes (the AppHost passes its 'jwt-signing-key' parameter).");
        }

        return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Only HS256 with our key, our issuer and audience, unexpired: no <c>alg: none</c>, no other keys.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions options) => new()
    {
        ValidIssuer = AuthOptions.Issuer,
        ValidAudience = AuthOptions.Audience,
        IssuerSigningKey = SigningKey(options),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = UserClaim,
    };
}
