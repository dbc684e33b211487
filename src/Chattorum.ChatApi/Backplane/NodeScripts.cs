using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// The scripts of the nodes' own bookkeeping (<see cref="RedisKeys.NodeRegistry"/> and friends, all in one slot):
/// one heartbeat per node, and the claim and release of a dead node's sweep. Times are Redis's clock, so the nodes'
/// clocks need not agree.
/// </summary>
internal static class NodeScripts
{
    private const string Now = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        """;

    /// <summary>
    /// Marks this node alive. Returns { 1 if the registry did not know it (first beat, swept while it was cut off,
    /// or Redis lost its data: its memberships must be written again), the nodes whose heartbeat is older than @ttl }.
    /// </summary>
    public static readonly LuaScript Heartbeat = LuaScript.Prepare(Now + """
        local added = redis.call('ZADD', @registry, now, @node)
        local dead = redis.call('ZRANGEBYSCORE', @registry, '-inf', now - tonumber(@ttl), 'LIMIT', 0, tonumber(@max))
        return { added, dead }
        """);

    /// <summary>
    /// Claims the sweep of a dead node: its rooms when this survivor may sweep it (it is still dead and nobody
    /// else is sweeping it), or nil.
    /// </summary>
    public static readonly LuaScript ClaimSweep = LuaScript.Prepare(Now + """
        local beat = redis.call('ZSCORE', @registry, @dead)
        if not beat or tonumber(beat) > now - tonumber(@ttl) then return nil end
        if not redis.call('SET', @lock, @node, 'NX', 'PX', tonumber(@lockMs)) then return nil end
        return redis.call('SMEMBERS', @rooms)
        """);

    /// <summary>
    /// Ends a sweep: the dead node leaves the registry (should it come back, its next heartbeat finds itself unknown
    /// and writes its memberships again) and its room index goes.
    /// </summary>
    public static readonly LuaScript EndSweep = LuaScript.Prepare("""
        if redis.call('GET', @lock) ~= @node then return 0 end
        redis.call('ZREM', @registry, @dead)
        redis.call('DEL', @rooms, @lock)
        return 1
        """);
}
