using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>The Lua scripts that make each room operation one atomic Redis step.</summary>
internal static class RoomScripts
{
    private const string Now = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        """;

    // Appends to the capped stream, recording the id before it (p) so a resume can tell whether anything
    // between was trimmed away, then publishes the finished frame. Leaves the new id in `id`.
    private const string Append = """
        local last = redis.call('XREVRANGE', @stream, '+', '-', 'COUNT', 1)
        local previous = '0-0'
        if #last > 0 then previous = last[1][1] end
        local id = redis.call('XADD', @stream, 'MAXLEN', '~', @maxLength, '*', 'u', @user, 't', @text, 'p', previous)
        local ms = string.match(id, '^(%d+)')
        redis.call('PUBLISH', @channel, 'm ' .. id .. ' ' .. previous .. ' ' .. @trace .. '\n' .. @prefix .. ',"ts":' .. ms .. ',"id":"' .. id .. '"}')
        """;

    /// <summary>Append and publish a message; returns its id.</summary>
    public static readonly LuaScript Publish = LuaScript.Prepare(Append + "\nreturn id");

    /// <summary>
    /// The same, once per key: a bot's reply delivered twice (a redelivery, a retry) is posted once, and the
    /// second call returns the first one's id.
    /// </summary>
    public static readonly LuaScript PublishOnce = LuaScript.Prepare("""
        local done = redis.call('GET', @once)
        if done then return done end
        """ + "\n" + Append + "\n" + """
        redis.call('SET', @once, id, 'EX', @onceSeconds)
        return id
        """);

    /// <summary>
    /// Members, then history, then whether messages right after @since were trimmed away (1) or not (0): the
    /// first entry after @since must name @since as the entry before it.
    /// </summary>
    public static readonly LuaScript Load = LuaScript.Prepare(Now + """
        local members = redis.call('ZRANGEBYSCORE', @members, now, '+inf')
        if @since == '' then
          return { members, redis.call('XREVRANGE', @stream, '+', '-', 'COUNT', @count), 0 }
        end
        local entries = redis.call('XRANGE', @stream, '(' .. @since, '+', 'COUNT', @replayMax)
        local truncated = 0
        if #entries > 0 then
          local fields = entries[1][2]
          local previous = ''
          for i = 1, #fields, 2 do
            if fields[i] == 'p' then previous = fields[i + 1] end
          end
          if previous ~= @since then truncated = 1 end
        elseif redis.call('EXISTS', @stream) == 0 then
          truncated = 1
        end
        return { members, entries, truncated }
        """);

    /// <summary>
    /// This node now has the user in the room. Publishes <c>presence joined</c> when no other live node has them.
    /// Also the heartbeat's re-join after Redis lost its data.
    /// </summary>
    public static readonly LuaScript Join = LuaScript.Prepare(Now + """
        local expiry = now + tonumber(@ttl)
        redis.call('ZREMRANGEBYSCORE', @nodes, '-inf', now)
        local others = redis.call('ZCARD', @nodes)
        if redis.call('ZSCORE', @nodes, @node) then others = others - 1 end
        redis.call('ZADD', @nodes, expiry, @node)
        redis.call('PEXPIRE', @nodes, tonumber(@ttl) * 2)
        redis.call('ZADD', @members, 'GT', expiry, @user)
        if others == 0 then
          redis.call('PUBLISH', @channel, 'p ' .. @user .. '\n{"type":"presence","room":"' .. @room .. '","user":"' .. @user .. '","event":"joined"}')
        end
        return others
        """);

    /// <summary>This node no longer has the user in the room. Publishes <c>presence left</c> when no live node has them.</summary>
    public static readonly LuaScript Leave = LuaScript.Prepare(Now + """
        redis.call('ZREM', @nodes, @node)
        redis.call('ZREMRANGEBYSCORE', @nodes, '-inf', now)
        if redis.call('ZCARD', @nodes) > 0 then return 0 end
        redis.call('DEL', @nodes)
        if redis.call('ZREM', @members, @user) == 1 then
          redis.call('PUBLISH', @channel, 'p ' .. @user .. '\n{"type":"presence","room":"' .. @room .. '","user":"' .. @user .. '","event":"left"}')
          return 1
        end
        return 0
        """);

    /// <summary>The heartbeat: extends this node's entry if it still has one (never brings back one that left).</summary>
    public static readonly LuaScript Refresh = LuaScript.Prepare(Now + """
        if not redis.call('ZSCORE', @nodes, @node) then return 0 end
        local expiry = now + tonumber(@ttl)
        redis.call('ZADD', @nodes, expiry, @node)
        redis.call('PEXPIRE', @nodes, tonumber(@ttl) * 2)
        redis.call('ZADD', @members, 'GT', expiry, @user)
        return 1
        """);

    /// <summary>Removes users whose nodes all stopped their heartbeats (a node died) and says they left.</summary>
    public static readonly LuaScript Sweep = LuaScript.Prepare(Now + """
        local gone = 0
        for _, user in ipairs(redis.call('ZRANGEBYSCORE', @members, '-inf', now)) do
          local nodes = @prefix .. user
          redis.call('ZREMRANGEBYSCORE', nodes, '-inf', now)
          local live = redis.call('ZRANGE', nodes, -1, -1, 'WITHSCORES')
          if #live == 0 then
            redis.call('DEL', nodes)
            redis.call('ZREM', @members, user)
            redis.call('PUBLISH', @channel, 'p ' .. user .. '\n{"type":"presence","room":"' .. @room .. '","user":"' .. user .. '","event":"left"}')
            gone = gone + 1
          else
            redis.call('ZADD', @members, live[2], user)
          end
        end
        return gone
        """);
}
