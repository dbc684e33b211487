using System.Net.WebSockets;
using Chattorum.ChatApi;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

/// <summary>
/// The largest valid <c>send</c> over a real socket in every JSON spelling: stored and delivered as written; one character
/// more is <c>bad_text</c> and the connection stays; a frame over the limit closes with 1009. A watcher in the room sees
/// exactly the valid ones.
/// </summary>
public sealed class FrameSizeEndToEndTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    public static TheoryData<string> Spellings() => [.. SendSpellings.All];

    public static TheoryData<string> UnpaddedSpellings() => [.. SendSpellings.Unpadded];

    private static string UserOf(string spelling, string role) => $"{role}{SendSpellings.All.ToList().IndexOf(spelling)}";

    private async Task<long> StoredAsync(string room) =>
        await Server.Get<IConnectionMultiplexer>().GetDatabase().StreamLengthAsync(ChatApi.Backplane.RedisKeys.Stream(room));

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task The_largest_valid_send_in_any_spelling_is_stored_and_delivered(string spelling)
    {
        var room = SendSpellings.LongestRoom($"max-{spelling}-");
        await using var watcher = await ConnectAsync(Server, UserOf(spelling, "size_max_watcher"));
        await using var sender = await ConnectAsync(Server, UserOf(spelling, "size_max_sender"));
        await watcher.JoinAsync(room);
        await sender.JoinAsync(room);

        var text = SendSpellings.Text(spelling, ChatLimits.MaxTextLength);
        var cid = SendSpellings.LongestCid("largest");
        var frame = SendSpellings.Send(spelling, room, text, cid);
        Assert.InRange(frame.Length, 1, ChatLimits.MaxFrameBytes);
        await sender.SendRawAsync(frame);

        var ack = await sender.ReplyToAsync(cid);
        Assert.Equal("ack", Type(ack));
        var message = await watcher.WaitForAsync(f => IsMessageIn(f, room));
        Assert.Equal((sender.Name, text), (message.GetProperty("user").GetString(), message.GetProperty("text").GetString()));
        Assert.Equal(ack.GetProperty("id").GetString(), message.GetProperty("id").GetString());
    }

    [Theory]
    [MemberData(nameof(UnpaddedSpellings))]
    public async Task One_character_more_is_bad_text_not_a_close(string spelling)
    {
        var room = SendSpellings.LongestRoom($"over-{spelling}-");
        await using var watcher = await ConnectAsync(Server, UserOf(spelling, "size_over_watcher"));
        await using var sender = await ConnectAsync(Server, UserOf(spelling, "size_over_sender"));
        await watcher.JoinAsync(room);
        await sender.JoinAsync(room);

        var cid = SendSpellings.LongestCid("longer");
        var frame = SendSpellings.Send(spelling, room, SendSpellings.Text(spelling, ChatLimits.MaxTextLength + 1), cid);
        Assert.InRange(frame.Length, 1, ChatLimits.MaxFrameBytes);
        await sender.SendRawAsync(frame);

        var error = await sender.ReplyToAsync(cid);
        Assert.Equal(("error", "bad_text", "send"), (Type(error), error.GetProperty("code").GetString(), error.GetProperty("frame").GetString()));
        Assert.Contains($"{ChatLimits.MaxTextLength}", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The connection stays and serves the next send; nothing of the refused one was stored or shown.
        var next = await sender.SendMessageAsync(room, "after the long one");
        Assert.Equal("ack", Type(await sender.ReplyToAsync(next)));
        var message = await watcher.WaitForAsync(f => IsMessageIn(f, room));
        Assert.Equal("after the long one", message.GetProperty("text").GetString());
        Assert.Equal(1, await StoredAsync(room));
        Assert.Equal(WebSocketState.Open, sender.State);
    }

    [Fact]
    public async Task A_send_one_byte_over_the_frame_limit_closes_with_1009_and_the_room_carries_on()
    {
        var room = SendSpellings.LongestRoom("too-big-");
        await using var watcher = await ConnectAsync(Server, "big_watcher");
        await using var sender = await ConnectAsync(Server, "big_sender");
        await watcher.JoinAsync(room);
        await sender.JoinAsync(room);

        var largest = SendSpellings.Send(SendSpellings.EscapedEverythingPadded, room, SendSpellings.Text(SendSpellings.EscapedEverything, ChatLimits.MaxTextLength), SendSpellings.LongestCid("big"));
        Assert.Equal(ChatLimits.MaxFrameBytes, largest.Length);
        byte[] over = [.. largest[..^1], (byte)' ', (byte)'}'];
        await sender.SendRawAsync(over);

        var (status, reason) = await sender.WaitClosedAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Contains($"{ChatLimits.MaxFrameBytes}", reason, StringComparison.Ordinal);
        await watcher.WaitForAsync(f => Type(f) == "presence" && f.GetProperty("user").GetString() == sender.Name && f.GetProperty("event").GetString() == "left");
        await watcher.SendMessageAsync(room, "still here");
        Assert.Equal("still here", (await watcher.WaitForAsync(f => IsMessageIn(f, room))).GetProperty("text").GetString());
        Assert.Equal(1, await StoredAsync(room));
    }
}
