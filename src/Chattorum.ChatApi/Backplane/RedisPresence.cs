using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Who is in which room, across nodes. Each node keeps an entry per (room, user) it serves, with an expiry
/// that its heartbeat extends; a node that dies stops extending, and the next sweep says its users left.
/// Presence events travel on the room's channel, in order with the messages.
/// </summary>
public sealed class RedisPresence(IConnectionMultiplexer redis, ChatNode node)
{
    private readonly ConcurrentDictionary<(string Room, string User), byte> _here = new();

    public async Task JoinAsync(string room, string user)
    {
        _here[(room, user)] = 0;
        await Run(RoomScripts.Join, room, user).ConfigureAwait(false);
    }

    public async Task LeaveAsync(string room, string user)
    {
        _here.TryRemove((room, user), out _);
        await Run(RoomScripts.Leave, room, user).ConfigureAwait(false);
    }

    /// <summary>Extends this node's entries and sweeps out users of dead nodes in its rooms.</summary>
    public async Task HeartbeatAsync()
    {
        var pairs = _here.Keys.ToList();
        var work = pairs.Select(p => Run(RoomScripts.Refresh, p.Room, p.User))
            .Concat(pairs.Select(p => p.Room).Distinct().Select(Sweep));
        await Task.WhenAll(work).ConfigureAwait(false);
    }

    private Task Sweep(string room) => redis.GetDatabase().ScriptEvaluateAsync(RoomScripts.Sweep, new
    {
        members = RedisKeys.Members(room),
        channel = RedisKeys.Events(room).ToString(),
        prefix = RedisKeys.MemberNodesPrefix(room),
        room,
    });

    private Task Run(LuaScript script, string room, string user) => redis.GetDatabase().ScriptEvaluateAsync(script, new
    {
        nodes = RedisKeys.MemberNodes(room, user),
        members = RedisKeys.Members(room),
        channel = RedisKeys.Events(room).ToString(),
        node = node.Id,
        ttl = (long)ChatLimits.PresenceTtl.TotalMilliseconds,
        user,
        room,
    });
}
