using System.Net;
using System.Net.Http.Json;
using Chattorum.Tests.Support;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Cluster;

/// <summary>Three nodes that behave as one chat.</summary>
public class ClusterEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_hundred_and_fifty_clients_on_three_nodes_see_every_message_of_their_rooms_once_in_one_order()
    {
        const int clientCount = 150;
        const int perClient = 3;
        string[] rooms = ["c-one", "c-two", "c-three", "c-four", "c-five"];
        var clients = await Task.WhenAll(Enumerable.Range(0, clientCount).Select(i => ConnectAsync(cluster.Nodes[i % ClusterFixture.NodeCount], $"crowd{i:000}")));
        string RoomOf(int i) => rooms[i % rooms.Length];
        try
        {
            await Task.WhenAll(clients.Select((c, i) => c.JoinAsync(RoomOf(i))));

            // Everybody sends at once.
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                for (var n = 0; n < perClient; n++)
                {
                    await c.SendMessageAsync(RoomOf(i), $"{c.Name}#{n}");
                }
            }));

            var perRoom = clientCount / rooms.Length * perClient;
            var received = await Task.WhenAll(clients.Select(c => c.CollectAsync(f => Type(f) == "message", perRoom, TimeSpan.FromSeconds(60))));
            var acks = await Task.WhenAll(clients.Select(c => c.AcksAsync(perClient)));

            foreach (var room in rooms)
            {
                var members = Enumerable.Range(0, clientCount).Where(i => RoomOf(i) == room).ToList();
                var orders = members.Select(i => received[i].Select(f => f.GetProperty("id").GetString()!).ToList()).ToList();
                Assert.All(members, i => Assert.All(received[i], f => Assert.Equal(room, f.GetProperty("room").GetString())));
                Assert.All(orders, order => Assert.Equal(orders[0], order));
                Assert.Equal(perRoom, orders[0].Distinct().Count());

                // The order is the stream's order, and every ack names a delivered message.
                var stored = await cluster.RedisConnection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
                Assert.Equal(stored.Select(e => e.Id.ToString()), orders[0]);
                Assert.All(members.SelectMany(i => acks[i]), ack => Assert.Contains(ack.GetProperty("id").GetString(), orders[0]));

                // Each sender's messages in the order it sent them.
                foreach (var i in members)
                {
                    var own = received[i].Where(f => f.GetProperty("user").GetString() == clients[i].Name).Select(f => f.GetProperty("text").GetString());
                    Assert.Equal(Enumerable.Range(0, perClient).Select(n => $"{clients[i].Name}#{n}"), own);
                }
            }
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Presence_and_member_lists_span_the_nodes()
    {
        await using var ann = await ConnectAsync(cluster.Nodes[0], "ann_x");
        await using var ben = await ConnectAsync(cluster.Nodes[1], "ben_x");
        await ann.JoinAsync("across");
        var joined = await ben.JoinAsync("across");
        Assert.Equal(["ann_x", "ben_x"], joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));
        var arrived = await ann.WaitForAsync(f => Type(f) == "presence");
        Assert.Equal(("ben_x", "joined"), (arrived.GetProperty("user").GetString(), arrived.GetProperty("event").GetString()));

        // A second connection of ben on a third node is not news; its leaving is not either, until the last goes.
        await using (var benAgain = await ConnectAsync(cluster.Nodes[2], "ben_x"))
        {
            await benAgain.JoinAsync("across");
            await benAgain.SendAsync(new { type = "leave", room = "across" });
            await benAgain.WaitForAsync(f => Type(f) == "left");
        }

        await ben.CloseAsync();
        var gone = await ann.WaitForAsync(f => Type(f) == "presence");
        Assert.Equal(("ben_x", "left"), (gone.GetProperty("user").GetString(), gone.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_node_subscribes_only_to_rooms_with_members_on_it()
    {
        var server = cluster.RedisConnection.GetServer(cluster.RedisConnection.GetEndPoints()[0]);
        async Task<long> Subscribers(string room) =>
            (long)((RedisResult[])(await server.ExecuteAsync("PUBSUB", "SHARDNUMSUB", RedisKeys.Events(room).ToString()))!)[1];

        Assert.Equal(0, await Subscribers("subs"));
        await using var one = await ConnectAsync(cluster.Nodes[0], "subs_one");
        await one.JoinAsync("subs");
        Assert.Equal(1, await Subscribers("subs"));
        await using var two = await ConnectAsync(cluster.Nodes[1], "subs_two");
        await two.JoinAsync("subs");
        Assert.Equal(2, await Subscribers("subs"));
        await using var three = await ConnectAsync(cluster.Nodes[1], "subs_three");
        await three.JoinAsync("subs");
        Assert.Equal(2, await Subscribers("subs"));

        await one.SendAsync(new { type = "leave", room = "subs" });
        await one.WaitForAsync(f => Type(f) == "left");
        await Eventually.EqualAsync(1, () => Subscribers("subs"));
        await two.CloseAsync();
        await three.CloseAsync();
        await Eventually.EqualAsync(0, () => Subscribers("subs"));
    }

    [Fact]
    public async Task Of_registrations_of_one_name_racing_on_every_node_exactly_one_wins()
    {
        using var http = new HttpClient();
        var attempts = Enumerable.Range(0, 12).Select(i => http.PostAsJsonAsync(
            new Uri(cluster.Nodes[i % ClusterFixture.NodeCount].BaseUri, "/api/auth/register"),
            new { username = i % 2 == 0 ? "Racer" : "racer", password = $"password number {i}" }));
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(11, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));

        // The winner's password is the one that works, on every node.
        var winner = Array.FindIndex(results, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var node in cluster.Nodes)
        {
            var login = await http.PostAsJsonAsync(new Uri(node.BaseUri, "/api/auth/login"), new { username = "RACER", password = $"password number {winner}" });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }
    }

    [Fact]
    public async Task A_token_from_one_node_is_good_on_every_node()
    {
        var token = await cluster.Nodes[0].TokenAsync("roamer");
        foreach (var node in cluster.Nodes)
        {
            await using var client = await ChatTestClient.ConnectAsync(node.WebSocketUri(), "roamer", token);
            Assert.Equal("roamer", client.Name);
        }
    }
}
