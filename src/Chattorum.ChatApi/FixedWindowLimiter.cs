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

    // Takes one from the key's allowance only while some is left: a refused attempt is not counted. A key left
    // without an expiry (which nothing here makes, but a window must always end) gets one.
    private static readonly LuaScript TakeScript = LuaScript.Prepare("""
        local count = tonumber(redis.call('GET', @key) or '0')
        if count >= tonumber(@limit) then
            local left = redis.call('PTTL', @key)
            if left < 0 then redis.call('PEXPIRE', @key, @window); left = tonumber(@window) end
            return { 0, left }
        end
        redis.call('INCR', @key)
        if redis.call('PTTL', @key) < 0 then redis.call('PEXPIRE', @key, @window) end
        return { 1, 0 }
        """);

    // Gives one back, if the window it was taken in (or any) is still there: never below zero, never a key without expiry.
    private static readonly LuaScript GiveBackScript = LuaScript.Prepare("""
        local count = tonumber(redis.call('GET', @key) or '0')
        if count > 1 then redis.call('DECR', @key) elseif count == 1 then redis.call('DEL', @key) end
        return count
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

    /// <summary>
    /// Takes one from each key's allowance of <c>Limit</c> per window, all or none: null when taken; when a key has
    /// none left, nothing is taken (what was taken from the keys before it is given back) and the answer is how long
    /// until its window ends. Each key on its own, so the keys may live on any cluster slots: a key never counts over
    /// its limit, however many callers race for its last unit. The keys are taken in order, so put the tightest
    /// first: an attempt refused by it touches no other, and one holds a unit of a later key only while it is
    /// allowed by all before (a race can refuse an attempt that another's passing hold crowded out, never let one
    /// too many through).
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(TimeSpan window, params (RedisKey Key, int Limit)[] allowances)
    {
        var db = redis.GetDatabase();
        for (var i = 0; i < allowances.Length; i++)
        {
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(TakeScript, new
            {
                key = allowances[i].Key,
                limit = allowances[i].Limit,
                window = (long)window.TotalMilliseconds,
            }).ConfigureAwait(false))!;
            if ((long)result[0] == 0)
            {
                await GiveBackAsync([.. allowances[..i].Select(a => a.Key)]).ConfigureAwait(false);
                return TimeSpan.FromMilliseconds(Math.Max((long)result[1], 1));
            }
        }

        return null;
    }

    /// <summary>
    /// Gives back one taken by <see cref="TryTakeAsync"/> under each key: nothing for a key whose window has ended,
    /// one of the next window's when that has begun since (one attempt more, once, at a window's edge).
    /// </summary>
    public Task GiveBackAsync(params RedisKey[] keys)
    {
        var db = redis.GetDatabase();
        return Task.WhenAll(keys.Select(key => db.ScriptEvaluateAsync(GiveBackScript, new { key })));
    }
}
