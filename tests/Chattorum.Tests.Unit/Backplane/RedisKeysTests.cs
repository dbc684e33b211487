using System.Text.RegularExpressions;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Backplane;

/// <summary>
/// In a Redis Cluster a script may touch only keys of one slot. Every key and the channel of a room share the room's
/// slot, whatever the room is called; the nodes' bookkeeping shares one slot of its own; and users' keys spread.
/// </summary>
public class RedisKeysTests
{
    public static TheoryData<string> Rooms => new() { "lobby", "general", "a", "room-1", "room_2", "x-y-z", "0", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" };

    [Fact]
    public void Slots_are_computed_as_redis_does()
    {
        // Known values from Redis's cluster specification and CLUSTER KEYSLOT.
        Assert.Equal(12739, HashSlots.Of("123456789"));
        Assert.Equal(HashSlots.Of("user1000"), HashSlots.Of("{user1000}.following"));
        Assert.Equal(HashSlots.Of("foo{}{bar}"), HashSlots.Of("foo{}{bar}"));
        Assert.NotEqual(HashSlots.Of("{}a"), HashSlots.Of("{}b"));
        Assert.Equal(HashSlots.Of("bar"), HashSlots.Of("foo{bar}{zap}"));
    }

    [Theory]
    [MemberData(nameof(Rooms))]
    public void Every_key_and_the_channel_of_a_room_are_in_the_rooms_slot(string room)
    {
        var slot = HashSlots.Of(room);
        string[] keys =
        [
            RedisKeys.Stream(room).ToString(), RedisKeys.Members(room).ToString(), RedisKeys.NodeMembers(room, "node-1").ToString(),
            RedisKeys.NodeMembers(room, "{other}").ToString(), RedisKeys.Reply(room, "request-1").ToString(), RedisKeys.Events(room).ToString(),
        ];
        Assert.All(keys, key => Assert.Equal(slot, HashSlots.Of(key)));
        Assert.True(RedisKeys.Events(room).IsSharded);
    }

    [Fact]
    public void The_nodes_bookkeeping_is_in_one_slot()
    {
        var slot = HashSlots.Of(RedisKeys.NodeRegistry.ToString());
        Assert.All([RedisKeys.NodeRooms("a"), RedisKeys.NodeRooms("b"), RedisKeys.NodeSweep("a")], key => Assert.Equal(slot, HashSlots.Of(key.ToString())));
    }

    [Fact]
    public void Rooms_spread_over_the_slots_of_three_shards()
    {
        // redis-cli --cluster create gives three primaries 0-5460, 5461-10922 and 10923-16383.
        var shards = Enumerable.Range(0, 300).Select(i => HashSlots.Of(RedisKeys.Stream($"room-{i}").ToString()) * 3 / HashSlots.Count).GroupBy(shard => shard).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, shards.Count);
        Assert.All(shards.Values, count => Assert.InRange(count, 70, 130));
    }

    [Fact]
    public void Users_command_windows_spread_rather_than_share_a_slot()
    {
        var slots = Enumerable.Range(0, 100).Select(i => HashSlots.Of(RedisKeys.CommandWindow($"user{i}").ToString())).Distinct().Count();
        Assert.True(slots > 90, $"{slots} distinct slots");
    }

    [Fact]
    public void Every_redis_key_is_built_in_RedisKeys_and_nowhere_else()
    {
        // Every key starts "chattorum:"; a literal that starts so anywhere else builds a key out of sight.
        var key = new Regex("\"chattorum:[^\\s\"]", RegexOptions.CultureInvariant);
        var source = Path.Combine(Repository.Root, "src");
        var elsewhere = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(path => Path.GetFileName(path) != "RedisKeys.cs")
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (Where: $"{Path.GetRelativePath(source, path)}:{i + 1}", Line: line.Trim())))
            .Where(line => key.IsMatch(line.Line))
            .Select(line => $"{line.Where}: {line.Line}")
            .ToList();

        Assert.Empty(elsewhere);
        Assert.Equal("chattorum:user:alice", RedisKeys.Account("Alice").ToString());
        Assert.Equal("chattorum:login:user:alice", RedisKeys.LoginFailuresByUser("ALICE").ToString());
        Assert.Equal("chattorum:login:address:127.0.0.1", RedisKeys.LoginFailuresByAddress("127.0.0.1").ToString());
    }
}
