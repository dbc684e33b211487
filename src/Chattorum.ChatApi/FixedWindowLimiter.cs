using StackExchange.Redis;

namespace Chattorum.ChatApi;

/// <summary>
/// Counts events per key in fixed windows, in Redis, so that every node counts together: spreading attempts
/// over the nodes gains nothing.
/// </summary>
public sealed class FixedWindowLimiter(IConnectionMultiplexer redis)
{
    private static readonly LuaScript CountScript = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @window) end
        return { count, redis.call('PTTL', @key) }
        """);

    /// <summary>Counts one event under each key; when any count is over its limit, how long until that window ends.</summary>
    public async Task<TimeSpan?> HitAsync(TimeSpan window, params (string Key, int Limit)[] counters)
    {
        var db = redis.GetDatabase();
        var results = await Task.WhenAll(counters.Select(c => db.ScriptEvaluateAsync(CountScript, new
        {
            key = (RedisKey)c.Key,
            window = (long)window.TotalMilliseconds,
        }))).ConfigureAwait(false);

        TimeSpan? wait = null;
        for (var i = 0; i < counters.Length; i++)
        {
            var result = (RedisResult[])results[i]!;
            if ((long)result[0] > counters[i].Limit)
            {
                var left = TimeSpan.FromMilliseconds(Math.Max((long)result[1], 1));
                wait = wait is { } longest && longest > left ? longest : left;
            }
        }

        return wait;
    }
}
