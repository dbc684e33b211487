using System.Text.Json;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Integration.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

public class RoomsEndToEndTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task Sixty_clients_in_four_rooms_see_every_message_of_their_rooms_in_one_order_and_nothing_else()
    {
        const int clientsCount = 60;
        const int perClientPerRoom = 4;
        string[] rooms = ["e2e-a", "e2e-b", "e2e-c", "e2e-d"];

        // Client i is in room i % 4; every fifth client is also in the next room.
        var clients = await Task.WhenAll(Enumerable.Range(0, clientsCount).Select(i => ConnectAsync(Server, $"user{i:00}")));
        var membership = clients.Select((c, i) => i % 5 == 0 ? new[] { rooms[i % 4], rooms[(i + 1) % 4] } : [rooms[i % 4]]).ToArray();
        try
        {
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                foreach (var room in membership[i])
                {
                    await c.JoinAsync(room);
                }
            }));

            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                for (var n = 0; n < perClientPerRoom; n++)
                {
                    foreach (var room in membership[i])
                    {
                        await c.SendMessageAsync(room, $"{c.Name}/{room}/{n}");
                    }
                }
            }));

            var expected = rooms.ToDictionary(r => r, r => membership.Count(m => m.Contains(r)) * perClientPerRoom);
            var received = await Task.WhenAll(clients.Select((c, i) =>
                c.CollectAsync(f => Type(f) == "message", membership[i].Sum(r => expected[r]))));

            foreach (var room in rooms)
            {
                var orders = received
                    .Select((frames, i) => (frames, i))
                    .Where(x => membership[x.i].Contains(room))
                    .Select(x => x.frames.Where(f => IsMessageIn(f, room)).Select(f => f.GetProperty("id").GetString()).ToList())
                    .ToList();
                Assert.All(orders, order => Assert.Equal(expected[room], order.Count));
                Assert.All(orders, order => Assert.Equal(orders[0], order));
                Assert.Equal(orders[0].Count, orders[0].Distinct().Count());
            }

            for (var i = 0; i < clientsCount; i++)
            {
                Assert.All(received[i], f => Assert.Contains(f.GetProperty("room").GetString(), membership[i]));

                // Each sender's messages arrive in the order it sent them.
                foreach (var room in membership[i])
                {
                    var own = received[i].Where(f => IsMessageIn(f, room) && f.GetProperty("user").GetString() == clients[i].Name).ToList();
                    Assert.Equal(Enumerable.Range(0, perClientPerRoom).Select(n => $"{clients[i].Name}/{room}/{n}"), own.Select(f => f.GetProperty("text").GetString()));
                }
            }

            // Every send was acked with the id its message was delivered under.
            var acks = await Task.WhenAll(clients.Select((c, i) => c.AcksAsync(membership[i].Length * perClientPerRoom)));
            var delivered = received.SelectMany(frames => frames).Select(f => f.GetProperty("id").GetString()).ToHashSet();
            Assert.All(acks.SelectMany(a => a), ack => Assert.Contains(ack.GetProperty("id").GetString(), delivered));
            Assert.Equal(rooms.Sum(r => expected[r]), acks.Sum(a => a.Count));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_message_carries_room_id_user_text_and_server_time()
    {
        await using var alice = await ConnectAsync(Server, "alice_fmt");
        await using var bob = await ConnectAsync(Server, "bob_fmt");
        await alice.JoinAsync("format");
        await bob.JoinAsync("format");

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var cid = await alice.SendMessageAsync("format", "hello \"bob\" <b>&</b> 😀\nsecond line");
        var atBob = await bob.WaitForAsync(f => Type(f) == "message");
        var atAlice = await alice.WaitForAsync(f => Type(f) == "message");
        var ack = (await alice.AcksAsync(1))[0];

        Assert.Equal("format", atBob.GetProperty("room").GetString());
        Assert.Equal("alice_fmt", atBob.GetProperty("user").GetString());
        Assert.Equal("hello \"bob\" <b>&</b> 😀\nsecond line", atBob.GetProperty("text").GetString());
        Assert.InRange(atBob.GetProperty("ts").GetInt64(), before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
        Assert.Matches(@"^\d+-\d+$", atBob.GetProperty("id").GetString());
        Assert.Equal(atBob.GetProperty("id").GetString(), atAlice.GetProperty("id").GetString());
        Assert.Equal((cid, "format", atBob.GetProperty("id").GetString()), (ack.GetProperty("cid").GetString(), ack.GetProperty("room").GetString(), ack.GetProperty("id").GetString()));
        Assert.Equal(atBob.GetProperty("ts").GetInt64(), StreamId.Parse(atBob.GetProperty("id").GetString()!).Milliseconds);
        Assert.Equal(["type", "room", "user", "text", "ts", "id"], atBob.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Presence_follows_joins_leaves_and_disconnects()
    {
        await using var host = await ConnectAsync(Server, "host_p");
        var hostJoined = await host.JoinAsync("presence");
        Assert.Equal(["host_p"], hostJoined.GetProperty("members").EnumerateArray().Select(m => m.GetString()));

        var guest = await ConnectAsync(Server, "guest_p");
        var guestJoined = await guest.JoinAsync("presence");
        Assert.Equal(["guest_p", "host_p"], guestJoined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));
        var arrived = await host.WaitForAsync(f => Type(f) == "presence");
        Assert.Equal(("guest_p", "joined"), (arrived.GetProperty("user").GetString(), arrived.GetProperty("event").GetString()));

        await guest.SendAsync(new { type = "leave", room = "presence", cid = "l1" });
        var left = await guest.WaitForAsync(f => Type(f) == "left");
        Assert.Equal("l1", left.GetProperty("cid").GetString());
        var gone = await host.WaitForAsync(f => Type(f) == "presence");
        Assert.Equal(("guest_p", "left"), (gone.GetProperty("user").GetString(), gone.GetProperty("event").GetString()));

        await guest.JoinAsync("presence");
        await host.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("event").GetString() == "joined");
        guest.Abort();
        gone = await host.WaitForAsync(f => Type(f) == "presence");
        Assert.Equal(("guest_p", "left"), (gone.GetProperty("user").GetString(), gone.GetProperty("event").GetString()));
        await guest.DisposeAsync();
    }

    [Fact]
    public async Task After_leaving_a_room_its_messages_stop()
    {
        await using var stay = await ConnectAsync(Server, "stay_l");
        await using var go = await ConnectAsync(Server, "go_l");
        await stay.JoinAsync("leaving");
        await go.JoinAsync("leaving");
        await go.SendAsync(new { type = "leave", room = "leaving" });
        await go.WaitForAsync(f => Type(f) == "left");

        await stay.SendMessageAsync("leaving", "anyone?");
        await stay.WaitForAsync(f => Type(f) == "message");
        await go.SendAsync(new { type = "ping", cid = "after" });
        var next = await go.WaitForAsync(f => Type(f) is "pong" or "message");
        Assert.Equal("pong", Type(next));
    }

    [Fact]
    public async Task A_connection_can_be_in_several_rooms_and_sends_only_to_rooms_it_joined()
    {
        await using var client = await ConnectAsync(Server, "multi");
        await client.JoinAsync("multi-1");
        await client.JoinAsync("multi-2");

        await client.SendAsync(new { type = "send", room = "multi-3", text = "nope", cid = "x" });
        var error = await client.WaitForAsync(f => Type(f) == "error");
        Assert.Equal(("not_in_room", "send", "x"), (error.GetProperty("code").GetString(), error.GetProperty("frame").GetString(), error.GetProperty("cid").GetString()));

        await client.SendAsync(new { type = "join", room = "multi-1", cid = "again" });
        error = await client.WaitForAsync(f => Type(f) == "error");
        Assert.Equal("already_in_room", error.GetProperty("code").GetString());

        await client.SendMessageAsync("multi-2", "two");
        var message = await client.WaitForAsync(f => Type(f) == "message");
        Assert.Equal("multi-2", message.GetProperty("room").GetString());
    }

    [Fact]
    public async Task Ping_gets_pong_with_its_client_id()
    {
        await using var client = await ConnectAsync(Server, "pinger");
        await client.SendAsync(new { type = "ping", cid = "p-1" });
        var pong = await client.NextAsync();
        Assert.Equal("pong", Type(pong));
        Assert.Equal("p-1", pong.GetProperty("cid").GetString());
    }
}
