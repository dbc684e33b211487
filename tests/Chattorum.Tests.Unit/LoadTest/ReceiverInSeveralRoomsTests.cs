using System.Diagnostics;
using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>
/// A connection in several rooms (<c>--rooms-per-connection</c>): joins one after the other, and order kept per
/// room, since ids of different rooms' streams need not grow together.
/// </summary>
public sealed class ReceiverInSeveralRoomsTests : IDisposable
{
    private const string RunId = "c0ffee";

    // 3 rooms, 2 per connection, 3 senders: sender 0 in room 0, sender 1 in room 2, sender 2 in room 1.
    // Connection 0 joins rooms 0 and 1 (senders 0 and 2); connection 1 joins rooms 2 and 0.
    private readonly RunContext _run = new(RunId, new RoomLayout(rooms: 3, roomsPerConnection: 2, senders: 3));

    public ReceiverInSeveralRoomsTests() => _run.Window.Set(0, long.MaxValue);

    public void Dispose() => _run.Dispose();

    private static string Message(int sender, long seq, string id) =>
        $$"""{"type":"message","room":"r","user":"u","text":"#{{RunId}}:{{sender}}:{{seq}}:{{Stopwatch.GetTimestamp()}}:xxxx","ts":1,"id":"{{id}}"}""";

    private static string Joined(int k, int history) =>
        $$"""{"type":"joined","room":"r","members":["u"],"history":{{history}},"cid":"{{Receiver.JoinCid(k)}}"}""";

    private static void Feed(Receiver receiver, params string[] frames)
    {
        foreach (var frame in frames)
        {
            receiver.OnFrame(Encoding.UTF8.GetBytes(frame), Stopwatch.GetTimestamp());
        }
    }

    [Fact]
    public void The_joins_complete_one_after_the_other_each_after_its_history()
    {
        var receiver = new Receiver(0, _run);
        Assert.Equal([0, 1], receiver.Rooms);

        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", Joined(0, history: 0));
        Assert.True(receiver.JoinedRoom(0).IsCompletedSuccessfully);
        Assert.False(receiver.Joined.IsCompleted);

        Feed(receiver, Joined(1, history: 2) + "\n" + Message(2, 1, "1-0"));
        Assert.False(receiver.JoinedRoom(1).IsCompleted);
        Feed(receiver, Message(2, 2, "1-1"));
        Assert.True(receiver.JoinedRoom(1).IsCompletedSuccessfully);
        Assert.True(receiver.Joined.IsCompletedSuccessfully);
        Assert.Equal(0, receiver.Received);
    }

    [Fact]
    public void Order_is_kept_per_room_and_each_sender_is_counted_in_its_room()
    {
        var receiver = new Receiver(0, _run);
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", Joined(0, 0), Joined(1, 0));

        // Room 1's id 9-0 comes between room 0's 5-0 and 7-0: across rooms ids go back, within each they grow.
        Feed(receiver, Message(0, 1, "5-0"), Message(2, 1, "9-0"), Message(0, 2, "7-0"), Message(2, 2, "10-0"));

        Assert.Equal(4, receiver.Received);
        Assert.Equal((2L, 2L), (receiver.TrackerOf(0)!.Distinct, receiver.TrackerOf(2)!.Distinct));
        Assert.Null(receiver.TrackerOf(1));
        Assert.Equal((2L, 0L), (receiver.Orders[0].Count, receiver.Orders[0].Regressions));
        Assert.Equal((2L, 0L), (receiver.Orders[1].Count, receiver.Orders[1].Regressions));
        Assert.Equal(0, _run.Errors.Total);
    }

    [Fact]
    public void A_message_from_a_sender_in_none_of_its_rooms_is_an_error()
    {
        var receiver = new Receiver(0, _run);
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", Joined(0, 0), Joined(1, 0));
        Feed(receiver, Message(1, 1, "1-0"));
        Assert.Equal(0, receiver.Received);
        Assert.Equal(1, _run.Errors.Counts["malformed_frame"]);
    }

    [Fact]
    public void A_refused_second_join_fails_the_connection()
    {
        var receiver = new Receiver(1, _run);
        Assert.Equal([2, 0], receiver.Rooms);
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", Joined(0, 0),
            """{"type":"error","code":"too_many_rooms","message":"x","frame":"join","cid":"j1"}""");
        Assert.True(receiver.JoinedRoom(1).IsFaulted);
        Assert.True(receiver.Joined.IsFaulted);
        Assert.Equal(1, _run.Errors.Counts["error:too_many_rooms"]);
    }
}
