using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// The Lua scripts that make each room operation one atomic Redis step. Each touches only its room's keys (one
/// cluster slot). They contain no wire format: the envelope and frame fragments come in as arguments from
/// <see cref="RoomWireFormat"/> and <see cref="Protocol.ServerFrameWriter"/>.
/// </summary>
internal static class RoomScripts
{
    // Appends to the capped stream, recording the id before it (p) so a resume can tell whether anything
    // between was trimmed away, then publishes the finished frame. Leaves the new id in `id`.
    private const string Append = """
        local last = redis.call('XREVRANGE', @stream, '+', '-', 'COUNT', 1)
        local previous = '0-0'
        if #last > 0 then previous = last[1][1] end
        local id = redis.call('XADD', @stream, 'MAXLEN', '~', @maxLength, '*', 'u', @user, 't', @text, 'p', previous)
        local ms = string.match(id, '^(%d+)')
        redis.call('SPUBLISH', @channel, @tag .. id .. @sep .. previous .. @sep .. @trace .. @eol .. @prefix .. @tsField .. ms .. @idField .. id .. @frameEnd)
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
    /// first entry after @since must name @since as the entry before it. A @count of 0 (<c>Chat:JoinHistoryCount</c>)
    /// reads no history: XREVRANGE's COUNT 0 answers nil, not an empty list.
    /// </summary>
    public static readonly LuaScript Load = LuaScript.Prepare("""
        local members = redis.call('HKEYS', @members)
        if @since == '' then
          if tonumber(@count) == 0 then return { members, {}, 0 } end
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
    /// This node now has the user in the room: O(1). Publishes <c>presence joined</c> when no other node has them.
    /// Returns 1 when it published.
    /// </summary>
    public static readonly LuaScript Join = LuaScript.Prepare("""
        if redis.call('SADD', @nodeMembers, @user) == 0 then return 0 end
        if redis.call('HINCRBY', @members, @user, 1) == 1 then
          redis.call('SPUBLISH', @channel, @envelope)
          return 1
        end
        return 0
        """);

    /// <summary>This node no longer has the user in the room: O(1). Publishes <c>presence left</c> when no node has them.</summary>
    public static readonly LuaScript Leave = LuaScript.Prepare("""
        if redis.call('SREM', @nodeMembers, @user) == 0 then return 0 end
        local nodes = redis.call('HINCRBY', @members, @user, -1)
        if nodes > 0 then return 0 end
        redis.call('HDEL', @members, @user)
        if nodes == 0 then
          redis.call('SPUBLISH', @channel, @envelope)
          return 1
        end
        return 0
        """);

    /// <summary>
    /// A dead node's users leave the room, once: each user no other node has is removed and said to have left.
    /// O(that node's users in the room). Returns how many left.
    /// </summary>
    public static readonly LuaScript Sweep = LuaScript.Prepare("""
        local gone = 0
        for _, user in ipairs(redis.call('SMEMBERS', @nodeMembers)) do
          local nodes = redis.call('HINCRBY', @members, user, -1)
          if nodes <= 0 then
            redis.call('HDEL', @members, user)
            if nodes == 0 then
              redis.call('SPUBLISH', @channel, @tag .. user .. @eol .. @head .. user .. @tail)
              gone = gone + 1
            end
          end
        end
        redis.call('DEL', @nodeMembers)
        return gone
        """);
}
