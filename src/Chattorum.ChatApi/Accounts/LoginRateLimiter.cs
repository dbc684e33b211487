using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Accounts;

/// <summary>
/// Fixed-window counts of login attempts per user name and per client address, kept in Redis so that
/// spreading attempts over the nodes gains nothing.
/// </summary>
public sealed class LoginRateLimiter(IConnectionMultiplexer redis, IOptions<AuthOptions> options)
{
    private static readonly LuaScript CountScript = LuaScript.Prepare("""
        local user = redis.call('INCR', @userKey)
        if user == 1 then redis.call('PEXPIRE', @userKey, @window) end
        local address = redis.call('INCR', @addressKey)
        if address == 1 then redis.call('PEXPIRE', @addressKey, @window) end
        return { user, address, redis.call('PTTL', @userKey), redis.call('PTTL', @addressKey) }
        """);

    /// <summary>Counts one attempt; when it is over either limit, how long until the window ends.</summary>
    public async Task<TimeSpan?> TryAttemptAsync(string user, string address)
    {
        var limits = options.Value;
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(CountScript, new
        {
            userKey = (RedisKey)$"chattorum:login:user:{user.ToLowerInvariant()}",
            addressKey = (RedisKey)$"chattorum:login:address:{address}",
            window = (long)limits.LoginWindow.TotalMilliseconds,
        }).ConfigureAwait(false))!;

        var overUser = (long)result[0] > limits.LoginAttemptsPerUser;
        var overAddress = (long)result[1] > limits.LoginAttemptsPerAddress;
        if (!overUser && !overAddress)
        {
            return null;
        }

        var wait = Math.Max(overUser ? (long)result[2] : 0, overAddress ? (long)result[3] : 0);
        return TimeSpan.FromMilliseconds(Math.Max(wait, 1));
    }
}
