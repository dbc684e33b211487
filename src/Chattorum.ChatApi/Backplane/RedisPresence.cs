using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Presence in Redis with liveness per node, not per member. A room keeps, per node, the set of users that node
/// has in it, and per user the number of nodes that have them; a join or leave is one O(1) script. Nothing is
/// refreshed while idle: the node proves it is alive with one heartbeat (<see cref="NodeLiveness"/>), and when a
/// node stops beating a survivor sweeps the rooms that node listed, once. See docs/architecture.md for the cost model.
/// </summary>
public sealed class RedisPresence(IConnectionMultiplexer redis, ChatNode node) : IRoomPresence
{
    // Guards what this node has told Redis, and keeps the order of the commands that tell it: each command is
    // issued (not awaited) under the lock, so a re-registration can't slip a join in after a leave.
    private readonly Lock _lock = new();
    private readonly HashSet<(string Room, string User)> _here = [];
    // Per room: this node's hubs for it (one, or two while a retiring hub and its successor overlap) and the write
    // that put the room in this node's index, which every join in the room follows.
    private readonly Dictionary<string, (int Hubs, Task Indexed)> _openRooms = new(StringComparer.Ordinal);

    private IDatabase Database => redis.GetDatabase();

    public Task OpenRoomAsync(string room)
    {
        lock (_lock)
        {
            var open = _openRooms.TryGetValue(room, out var known) ? known with { Hubs = known.Hubs + 1 } : (1, Database.SetAddAsync(RedisKeys.NodeRooms(node.Id), room));
            _openRooms[room] = open;
            return open.Indexed;
        }
    }

    public Task CloseRoomAsync(string room)
    {
        lock (_lock)
        {
            if (!_openRooms.TryGetValue(room, out var open))
            {
                return Task.CompletedTask;
            }

            if (open.Hubs > 1)
            {
                _openRooms[room] = open with { Hubs = open.Hubs - 1 };
                return Task.CompletedTask;
            }

            _openRooms.Remove(room);
            return Database.SetRemoveAsync(RedisKeys.NodeRooms(node.Id), room);
        }
    }

    public Task JoinAsync(string room, string user)
    {
        lock (_lock)
        {
            _here.Add((room, user));
            return Join(room, user);
        }
    }

    public Task LeaveAsync(string room, string user)
    {
        lock (_lock)
        {
            _here.Remove((room, user));
            return Database.ScriptEvaluateAsync(RoomScripts.Leave, new
            {
                nodeMembers = RedisKeys.NodeMembers(room, node.Id),
                members = RedisKeys.Members(room),
                channel = RedisKeys.Events(room).ToString(),
                user,
                envelope = RoomWireFormat.PresenceEnvelope(room, user, joined: false),
            });
        }
    }

    /// <summary>
    /// Writes every membership of this node again: after the registry forgot the node (swept while cut off from
    /// Redis, or Redis lost its data). O(this node's memberships), on that rare event only.
    /// </summary>
    public Task RegisterAgainAsync()
    {
        lock (_lock)
        {
            var work = new List<Task>(_here.Count + 1);
            if (_openRooms.Count > 0)
            {
                work.Add(Database.SetAddAsync(RedisKeys.NodeRooms(node.Id), [.. _openRooms.Keys.Select(r => (RedisValue)r)]));
            }

            foreach (var (room, user) in _here)
            {
                work.Add(Join(room, user));
            }

            return Task.WhenAll(work);
        }
    }

    /// <summary>Sweeps a dead node's users out of one room; returns how many left.</summary>
    internal async Task<int> SweepAsync(string room, string deadNode)
    {
        var (head, tail) = RoomWireFormat.PresenceFrameAround(room, joined: false);
        var gone = await Database.ScriptEvaluateAsync(RoomScripts.Sweep, new
        {
            nodeMembers = RedisKeys.NodeMembers(room, deadNode),
            members = RedisKeys.Members(room),
            channel = RedisKeys.Events(room).ToString(),
            tag = RoomWireFormat.PresenceTag,
            eol = RoomWireFormat.HeaderEnd,
            head,
            tail,
        }).ConfigureAwait(false);
        return (int)gone;
    }

    private Task Join(string room, string user) => Database.ScriptEvaluateAsync(RoomScripts.Join, new
    {
        nodeMembers = RedisKeys.NodeMembers(room, node.Id),
        members = RedisKeys.Members(room),
        channel = RedisKeys.Events(room).ToString(),
        user,
        envelope = RoomWireFormat.PresenceEnvelope(room, user, joined: true),
    });
}
