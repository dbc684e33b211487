using Chattorum.Tests.Integration.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.AppHost;

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

    [Fact]
    public async Task A_stock_command_goes_through_rabbitmq_to_the_bot_and_its_answer_comes_back()
    {
        // No internet here: the real providers cannot answer, so the bot says so; what matters is the round trip.
        await using var carol = await ConnectAsync(ChatApi, "carol");
        await carol.JoinAsync("market");
        var cid = await carol.SendMessageAsync("market", "/stock=AAPL");

        // The answer can overtake the queued notice: take both, in whatever order.
        var frames = await carol.CollectAsync(f => IsMessageIn(f, "market") || (f.TryGetProperty("cid", out var c) && c.GetString() == cid), 2, TimeSpan.FromSeconds(60));
        Assert.Equal("queued", Type(Assert.Single(frames, f => !IsMessageIn(f, "market"))));
        var answer = Assert.Single(frames, f => IsMessageIn(f, "market"));
        Assert.Equal("StockBot", answer.GetProperty("user").GetString());
        Assert.Contains("unavailable", answer.GetProperty("text").GetString(), StringComparison.Ordinal);
    }
}
