using System.Text;
using System.Threading.Channels;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chattorum.Tests.Integration.Backplane;

public sealed class RedisRoomBackplaneTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly RedisRoomBackplane _backplane = TestBackplanes.Redis(redis.Connection);

    public void Dispose() => _backplane.Dispose();

    private static string NewRoom() => $"bp-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Publishing_stores_the_message_and_sends_the_same_frame_history_would()
    {
        var room = NewRoom();
        var events = Channel.CreateUnbounded<RoomEvent>();
        await using var subscription = await _backplane.SubscribeAsync(room, e => events.Writer.TryWrite(e));

        var text = "quotes \" backslash \\ newline \n emoji 😀 <b>";
        var id = await _backplane.PublishAsync(room, "alice", text);
        var live = await events.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RoomEventKind.Message, live.Kind);
        Assert.Equal(StreamId.Parse(id), live.Id);
        var stored = Assert.Single(await _backplane.ReadAfterAsync(room, null));
        Assert.Equal(new ChatMessage(room, id, "alice", text, StreamId.Parse(id).Milliseconds), stored);
        Assert.Equal(Encoding.UTF8.GetString(ServerFrameWriter.Current.Message(stored)), Encoding.UTF8.GetString(live.Frame.Span));

        var entry = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room)));
        Assert.Equal(["u", "t", "p"], entry.Values.Select(v => v.Name.ToString()));
        Assert.Equal("0-0", entry["p"].ToString());
    }

    [Fact]
    public async Task The_script_publishes_exactly_the_envelope_RoomWireFormat_writes()
    {
        var room = NewRoom();
        var raw = Channel.CreateUnbounded<byte[]>();
        var queue = await redis.Connection.GetSubscriber().SubscribeAsync(RedisKeys.Events(room));
        queue.OnMessage(m => raw.Writer.TryWrite((byte[])m.Message!));

        var first = await _backplane.PublishAsync(room, "alice", "one");
        var second = await _backplane.PublishAsync(room, "bob", "two \"quoted\" 😀");
        var prefixes = new[] { ServerFrameWriter.Current.MessagePrefix(room, "alice", "one"), ServerFrameWriter.Current.MessagePrefix(room, "bob", "two \"quoted\" 😀") };
        (StreamId Id, StreamId Previous, byte[] Prefix)[] expected =
        [
            (StreamId.Parse(first), new StreamId(0, 0), prefixes[0]),
            (StreamId.Parse(second), StreamId.Parse(first), prefixes[1]),
        ];
        foreach (var (id, previous, prefix) in expected)
        {
            var envelope = await raw.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            // The trace context is whatever activity was current (another test's listener may sample the chat's source).
            Assert.True(RoomEvent.TryParse(envelope, out var parsed));
            Assert.Equal(
                Encoding.UTF8.GetString(RoomWireFormat.MessageEnvelope(id, previous, parsed.TraceParent, prefix)),
                Encoding.UTF8.GetString(envelope));
        }

        await queue.UnsubscribeAsync();
    }

    [Fact]
    public async Task Each_entry_records_the_one_before_it()
    {
        var room = NewRoom();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _backplane.PublishAsync(room, "bob", $"m{i}"));
        }

        var entries = await redis.Connection.GetDatabase().StreamRangeAsync(RedisKeys.Stream(room));
        Assert.Equal(["0-0", .. ids[..^1]], entries.Select(e => e["p"].ToString()));
    }

    [Fact]
    public async Task The_stream_is_capped()
    {
        var room = NewRoom();
        var batch = redis.Connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, ChatLimits.RoomStreamLength + 300).Select(i => _backplane.PublishAsync(room, "carol", $"m{i}")));
        var length = await batch.StreamLengthAsync(RedisKeys.Stream(room));
        Assert.InRange(length, ChatLimits.RoomStreamLength, ChatLimits.RoomStreamLength + 200);
    }

    [Fact]
    public async Task The_stream_is_capped_at_the_configured_length()
    {
        const int cap = 150;
        using var backplane = TestBackplanes.Redis(redis.Connection, options: new ChatOptions { RoomStreamLength = cap, JoinHistoryCount = 10 });
        var room = NewRoom();
        var ids = new List<string>();
        for (var i = 0; i < cap * 3; i++)
        {
            ids.Add(await backplane.PublishAsync(room, "carol", $"m{i}"));
        }

        // Redis trims in whole blocks (100 entries): at least the cap stays, far fewer than were sent.
        Assert.InRange(await redis.Connection.GetDatabase().StreamLengthAsync(RedisKeys.Stream(room)), cap, cap + 200);
        Assert.True((await backplane.LoadAsync(room, ids[0], 10)).Truncated, "the first messages were trimmed away");
    }

    [Theory]
    [InlineData(null, 0, 0, false)]
    [InlineData(null, 3, 3, false)]
    [InlineData(null, 10, 5, false)]
    [InlineData("0-0", 50, 5, false)]
    [InlineData("first", 50, 4, false)]
    [InlineData("last", 50, 0, false)]
    public async Task Loading_reads_the_last_messages_or_those_after_an_id(string? since, int count, int expected, bool truncated)
    {
        var room = NewRoom();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _backplane.PublishAsync(room, "dave", $"m{i}"));
        }

        var resumeFrom = since switch { "first" => ids[0], "last" => ids[^1], _ => since };
        var snapshot = await _backplane.LoadAsync(room, resumeFrom, count);
        Assert.Equal(expected, snapshot.History.Count);
        Assert.Equal(ids[^expected..], snapshot.History.Select(m => m.Id));
        Assert.Equal(truncated, snapshot.Truncated);
    }

    [Fact]
    public async Task Loading_since_an_id_in_a_room_whose_stream_is_gone_says_it_is_truncated()
    {
        var snapshot = await _backplane.LoadAsync(NewRoom(), "1700000000000-0", 50);
        Assert.True(snapshot.Truncated);
        Assert.Empty(snapshot.History);
    }
}
