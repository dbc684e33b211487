using System.Net.WebSockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.Hubs;

/// <summary>
/// A hub delivers consecutive live messages together: one joined frame per member instead of one queue write per
/// message. These check what each member gets (which messages, in which order, in how many frames) when it is live,
/// ahead of part of the batch, or still reading its history.
/// </summary>
public sealed class MessageBatchTests
{
    private static RoomEvent Message(long ms, string text = "x", int size = 0) =>
        new(RoomEventKind.Message, new StreamId(ms, 0), null, Encoding.UTF8.GetBytes(size > 0 ? new string('x', size) : $"{{\"text\":\"{text}\",\"id\":\"{ms}-0\"}}"));

    public static TheoryData<int, int, long, bool> AddCases => new()
    {
        // messages already in the batch (ids 1..n, 100 bytes each), size of the next frame, its id, taken?
        { 0, 100, 1, true },
        { 1, 100, 2, true },
        { 1, 100, 1, false },                                   // not after the last one: deliver the batch first
        { 3, 100, 2, false },
        { ChatLimits.HubBurst - 1, 100, ChatLimits.HubBurst, true },
        { ChatLimits.HubBurst, 100, ChatLimits.HubBurst + 1, false }, // full
        { 1, ChatLimits.MaxBatchBytes - 101, 2, true },          // exactly the largest frame the writer joins
        { 1, ChatLimits.MaxBatchBytes - 100, 2, false },
        { 0, ChatLimits.MaxBatchBytes * 2, 1, true },            // an empty batch takes any one message
    };

    [Theory]
    [MemberData(nameof(AddCases))]
    public void A_batch_takes_a_message_only_after_its_last_and_within_its_limits(int already, int size, long id, bool taken)
    {
        var batch = new MessageBatch();
        for (var i = 1; i <= already; i++)
        {
            Assert.True(batch.TryAdd(Message(i, size: 100)));
        }

        Assert.Equal(taken, batch.TryAdd(Message(id, size: size)));
        Assert.Equal(already + (taken ? 1 : 0), batch.Count);
    }

    [Fact]
    public void Join_puts_one_frame_per_line_in_order()
    {
        var batch = new MessageBatch();
        batch.TryAdd(Message(1, "a"));
        batch.TryAdd(Message(2, "b"));
        batch.TryAdd(Message(5, "c"));

        Assert.Equal("{\"text\":\"a\",\"id\":\"1-0\"}\n{\"text\":\"b\",\"id\":\"2-0\"}\n{\"text\":\"c\",\"id\":\"5-0\"}", Encoding.UTF8.GetString(batch.Join()));
    }

    [Fact]
    public void Batched_messages_wait_for_the_flush_then_go_out_as_one_frame_per_member()
    {
        var (members, live) = Room(("ann", null), ("bob", null));
        members.Batching = true;
        members.Deliver(Message(1, "a"));
        members.Deliver(Message(2, "b"));
        members.Deliver(Message(3, "c"));
        Assert.All(live, member => Assert.Empty(member.Frames));

        members.Batching = false;

        Assert.All(live, member => Assert.Equal(["a\nb\nc"], member.Texts));
    }

    [Fact]
    public void A_member_ahead_of_part_of_the_batch_gets_only_what_it_has_not_had()
    {
        var (members, live) = Room(("ann", null), ("bob", new StreamId(2, 0)), ("cat", new StreamId(3, 0)));
        members.Batching = true;
        members.Deliver(Message(1, "a"));
        members.Deliver(Message(2, "b"));
        members.Deliver(Message(3, "c"));
        members.Flush();

        Assert.Equal(["a\nb\nc"], live[0].Texts);
        Assert.Equal(["c"], live[1].Texts);
        Assert.Empty(live[2].Texts);
    }

    [Fact]
    public void A_presence_change_delivers_the_batch_before_it()
    {
        var (members, live) = Room(("ann", null));
        members.Batching = true;
        members.Deliver(Message(1, "a"));
        members.Deliver(Message(2, "b"));
        members.Deliver(new RoomEvent(RoomEventKind.Presence, default, "bob", Encoding.UTF8.GetBytes("{\"text\":\"bob joined\"}")));
        members.Deliver(Message(3, "c"));
        members.Batching = false;

        Assert.Equal(["a\nb", "bob joined", "c"], live[0].Texts);
    }

    [Fact]
    public void A_member_still_reading_its_history_has_every_batched_message_held_in_order()
    {
        var (members, live) = Room(("ann", null));
        var joining = new FrameMember("dan");
        members.TryAdd(joining, new JoinRequest(null, null, new TaskCompletionSource<JoinOutcome>()));
        members.Batching = true;
        members.Deliver(Message(1, "a"));
        members.Deliver(Message(2, "b"));
        members.Batching = false;

        Assert.True(members.TryGet(joining, out var state));
        Assert.Equal([new StreamId(1, 0), new StreamId(2, 0)], state.Buffer.Select(e => e.Id));
        Assert.Empty(joining.Frames);
        Assert.Equal(["a\nb"], live[0].Texts);
    }

    [Fact]
    public void A_member_that_cannot_take_the_batch_is_dropped_and_the_others_get_it()
    {
        var (members, live) = Room(("ann", null), ("bob", null));
        live[1].Refuse = true;
        members.Batching = true;
        members.Deliver(Message(1, "a"));
        members.Deliver(Message(2, "b"));
        members.Batching = false;
        members.RemoveEvicted();

        Assert.Equal(["a\nb"], live[0].Texts);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, live[1].ClosedWith);
        Assert.Equal(1, members.Count);
    }

    private static (RoomMembers Members, FrameMember[] Live) Room(params (string User, StreamId? Cursor)[] users)
    {
        var rooms = new InMemoryRooms();
        var context = new RoomHubContext(
            new InMemoryRoomBackplane(rooms), new InMemoryPresence(rooms, "n1"), new QuietRoomChecks(new FakeTimeProvider()),
            TestMeters.Chat(), NullLogger.Instance, _ => { }, ChatLimits.JoinHistoryCount);
        var members = new RoomMembers("r", context);
        var live = users.Select(u => new FrameMember(u.User)).ToArray();
        for (var i = 0; i < users.Length; i++)
        {
            members.TryAdd(live[i], new JoinRequest(null, null, new TaskCompletionSource<JoinOutcome>()));
            members.TryGet(live[i], out var state);
            state.GoLive();
            state.Cursor = new MessageCursor(users[i].Cursor);
        }

        return (members, live);
    }

    /// <summary>Keeps each frame as queued (not split into lines), reduced to the texts it carries.</summary>
    private sealed class FrameMember(string user) : IRoomMember
    {
        public List<ReadOnlyMemory<byte>> Frames { get; } = [];

        public IEnumerable<string> Texts => Frames.Select(f => string.Join("\n",
            Encoding.UTF8.GetString(f.Span).Split('\n').Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("text").GetString())));

        public bool Refuse { get; set; }

        public WebSocketCloseStatus? ClosedWith { get; private set; }

        public string User { get; } = user;

        public bool IsClosed => ClosedWith is not null;

        public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame)
        {
            if (IsClosed)
            {
                return EnqueueResult.Closed;
            }

            if (Refuse)
            {
                return EnqueueResult.Full;
            }

            Frames.Add(frame);
            return EnqueueResult.Queued;
        }

        public void Close(WebSocketCloseStatus status, string reason, bool drain) => ClosedWith = status;
    }
}
