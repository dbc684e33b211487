using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Every Redis key and channel the chat node uses, in one place. Room and user names are validated to
/// <c>[a-z0-9_-]</c> and <c>[A-Za-z0-9_]</c>, so they cannot reach other keys; the braces keep all of a room's keys
/// in one cluster slot (its scripts touch only that slot), and all of the nodes' own bookkeeping in another.
/// </summary>
public static class RedisKeys
{
    public static RedisKey Stream(string room) => $"chattorum:room:{{{room}}}:stream";

    /// <summary>
    /// <see cref="Events"/> with the room left out, the conventions' <c>messaging.destination.template</c>: span names
    /// carry it, so that they stay bounded however many rooms there are.
    /// </summary>
    public const string EventsTemplate = "chattorum:room:{room}:events";

    /// <summary>
    /// The room's live events: a sharded channel (SPUBLISH/SSUBSCRIBE, Redis 7), in the room's slot, so that in a cluster
    /// a room's messages go only to the shard that owns the room, not to every node as a classic PUBLISH would.
    /// </summary>
    public static RedisChannel Events(string room) => RedisChannel.Sharded($"chattorum:room:{{{room}}}:events");

    /// <summary>Hash: user to the number of live nodes that have the user in the room.</summary>
    public static RedisKey Members(string room) => $"chattorum:room:{{{room}}}:members";

    /// <summary>Set: the users one node has in the room; what a survivor sweeps when that node dies.</summary>
    public static RedisKey NodeMembers(string room, string node) => $"chattorum:room:{{{room}}}:node:{node}";

    /// <summary>Marks a bot's reply as posted, by request id (in the room's slot, beside its stream).</summary>
    public static RedisKey Reply(string room, string requestId) => $"chattorum:room:{{{room}}}:reply:{requestId}";

    /// <summary>Sorted set: chat node to the time of its last heartbeat (Redis clock, ms). One slot for all node keys.</summary>
    public static RedisKey NodeRegistry => "chattorum:{nodes}:registry";

    /// <summary>Set: the rooms in which a node may have members; a survivor sweeps exactly these when it dies.</summary>
    public static RedisKey NodeRooms(string node) => $"chattorum:{{nodes}}:rooms:{node}";

    /// <summary>Held by the survivor sweeping a dead node, so that one survivor sweeps it.</summary>
    public static RedisKey NodeSweep(string node) => $"chattorum:{{nodes}}:sweeping:{node}";

    /// <summary>A user's command count in the current window (<c>Chat:CommandWindowMilliseconds</c>).</summary>
    public static RedisKey CommandWindow(string user) => $"chattorum:commands:user:{user.ToLowerInvariant()}";

    /// <summary>An account (JSON: the name as registered, the password hash), under its name in lower case.</summary>
    public static RedisKey Account(string user) => $"chattorum:user:{user.ToLowerInvariant()}";

    /// <summary>
    /// Failed logins as a user from one client address in the current window: the tight limit, which only that
    /// address spends. <paramref name="address"/> is <see cref="Accounts.LoginRateLimiter.AddressOf"/>'s.
    /// </summary>
    public static RedisKey LoginFailures(string user, string address) => $"chattorum:login:pair:{user.ToLowerInvariant()}:{address}";

    /// <summary>Failed logins as a user from all addresses together in the current window.</summary>
    public static RedisKey LoginFailuresByUser(string user) => $"chattorum:login:user:{user.ToLowerInvariant()}";

    /// <summary>Failed logins from one client address, as anyone, in the current window.</summary>
    public static RedisKey LoginFailuresByAddress(string address) => $"chattorum:login:address:{address}";
}
