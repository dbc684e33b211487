using Chattorum.Tests.Support;
using static Chattorum.Tests.Support.ChatTestClient;

namespace Chattorum.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public class AppHostChatTests(AppHostFixture fixture)
{
    private Uri WebSocketUri(string name)
    {
        var http = fixture.GetChatApiEndpoint();
        return new Uri($"ws://{http.Authority}/ws?name={name}");
    }

    [Fact]
    public async Task Two_clients_chat_through_the_apphosts_chat_endpoint()
    {
        await using var alice = await ConnectAsync(WebSocketUri("alice"), "alice");
        await using var bob = await ConnectAsync(WebSocketUri("bob"), "bob");
        await alice.JoinAsync("lobby");
        var joined = await bob.JoinAsync("lobby");
        Assert.Equal(["alice", "bob"], joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));

        var cid = await alice.SendMessageAsync("lobby", "hello through Aspire");
        var atBob = await bob.WaitForAsync(f => IsMessageIn(f, "lobby"));
        Assert.Equal(("alice", "hello through Aspire"), (atBob.GetProperty("user").GetString(), atBob.GetProperty("text").GetString()));
        var atAlice = await alice.WaitForAsync(f => IsMessageIn(f, "lobby"));
        Assert.Equal(cid, atAlice.GetProperty("cid").GetString());
        Assert.Equal(atBob.GetProperty("id").GetString(), atAlice.GetProperty("id").GetString());

        await bob.SendMessageAsync("lobby", "hi alice");
        var reply = await alice.WaitForAsync(f => IsMessageIn(f, "lobby"));
        Assert.Equal(("bob", "hi alice"), (reply.GetProperty("user").GetString(), reply.GetProperty("text").GetString()));
    }
}
