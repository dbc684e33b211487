using Chattorum.Tests.Support;
using static Chattorum.Tests.Support.ChatTestClient;

namespace Chattorum.Tests.AppHost;

[Collection(AppHostCollection.Name)]
public class AppHostChatTests(AppHostFixture fixture)
{
    private ChatEndpointAt ChatApi => new(fixture.GetChatApiEndpoint());

    [Fact]
    public async Task Two_clients_chat_through_the_apphosts_chat_endpoint()
    {
        await using var alice = await ConnectAsync(ChatApi, "alice");
        await using var bob = await ConnectAsync(ChatApi, "bob");
        await alice.JoinAsync("lobby");
        var joined = await bob.JoinAsync("lobby");
        Assert.Equal(["alice", "bob"], joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));

        var cid = await alice.SendMessageAsync("lobby", "hello through Aspire");
        var atBob = await bob.WaitForAsync(f => IsMessageIn(f, "lobby"));
        Assert.Equal(("alice", "hello through Aspire"), (atBob.GetProperty("user").GetString(), atBob.GetProperty("text").GetString()));
        var ack = (await alice.AcksAsync(1))[0];
        Assert.Equal(cid, ack.GetProperty("cid").GetString());
        Assert.Equal(atBob.GetProperty("id").GetString(), ack.GetProperty("id").GetString());

        await bob.SendMessageAsync("lobby", "hi alice");
        var reply = await alice.WaitForAsync(f => IsMessageIn(f, "lobby") && f.GetProperty("user").GetString() == "bob");
        Assert.Equal(("bob", "hi alice"), (reply.GetProperty("user").GetString(), reply.GetProperty("text").GetString()));
    }
}
