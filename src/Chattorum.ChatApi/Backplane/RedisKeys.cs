using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Where a room lives in Redis. Room and user names are validated to <c>[a-z0-9_-]</c> and <c>[A-Za-z0-9_]</c>,
/// so they cannot reach other keys; the braces keep all of a room's keys in one cluster slot.
/// </summary>
public static class RedisKeys
{
    public static RedisKey Stream(string room) => $"chattorum:room:{{{room}}}:stream";

    public static RedisChannel Events(string room) => RedisChannel.Literal($"chattorum:room:{{{room}}}:events");

    /// <summary>Sorted set: user to the latest expiry among the nodes the user is on.</summary>
    public static RedisKey Members(string room) => $"chattorum:room:{{{room}}}:members";

    /// <summary>Sorted set: node to expiry, for one user in one room. The prefix is completed with the user name.</summary>
    public static string MemberNodesPrefix(string room) => $"chattorum:room:{{{room}}}:member:";

    public static RedisKey MemberNodes(string room, string user) => MemberNodesPrefix(room) + user;

    /// <summary>Marks a bot's reply as posted, by request id (in the room's slot, beside its stream).</summary>
    public static RedisKey Reply(string room, string requestId) => $"chattorum:room:{{{room}}}:reply:{requestId}";
}
