using Microsoft.Extensions.Options;

namespace Chattorum.ChatApi.Accounts;

/// <summary>Login attempts per user name and per client address, in fixed windows shared by all nodes.</summary>
public sealed class LoginRateLimiter(FixedWindowLimiter limiter, IOptions<AuthOptions> options)
{
    /// <summary>Counts one attempt; when it is over either limit, how long until the window ends.</summary>
    public Task<TimeSpan?> TryAttemptAsync(string user, string address)
    {
        var limits = options.Value;
        return limiter.HitAsync(
            limits.LoginWindow,
            (Backplane.RedisKeys.LoginAttemptsByUser(user).ToString(), limits.LoginAttemptsPerUser),
            (Backplane.RedisKeys.LoginAttemptsByAddress(address).ToString(), limits.LoginAttemptsPerAddress));
    }
}
