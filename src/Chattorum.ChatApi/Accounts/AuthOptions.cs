namespace Chattorum.ChatApi.Accounts;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string Issuer = "chattorum";
    public const string Audience = "chattorum";

    /// <summary>The shortest signing key accepted: HMAC-SHA256 wants at least 256 bits.</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary>The HMAC key every node signs and checks tokens with (UTF-8 bytes of this text). Required.</summary>
    public string? SigningKey { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// Failed logins as one user from one client address in each <see cref="LoginWindow"/>: the tight limit, which
    /// only that address spends (see <see cref="LoginRateLimiter"/>).
    /// </summary>
    public int LoginFailuresPerUserAndAddress { get; set; } = 10;

    /// <summary>Failed logins as one user from all addresses together in each <see cref="LoginWindow"/>: against distributed guessing.</summary>
    public int LoginFailuresPerUser { get; set; } = 100;

    /// <summary>Failed logins from one client address (an IPv6 /64), as anyone, in each <see cref="LoginWindow"/>.</summary>
    public int LoginFailuresPerAddress { get; set; } = 30;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);
}
