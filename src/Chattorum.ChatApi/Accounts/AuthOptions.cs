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

    /// <summary>Login attempts per user name, and per client address, in each <see cref="LoginWindow"/>.</summary>
    public int LoginAttemptsPerUser { get; set; } = 10;

    public int LoginAttemptsPerAddress { get; set; } = 30;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);
}
