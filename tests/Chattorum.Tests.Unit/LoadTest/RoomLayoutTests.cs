using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>Which rooms the load tool's connections join (<c>--rooms</c>, <c>--rooms-per-connection</c>) and where senders send.</summary>
public class RoomLayoutTests
{
    [Theory]
    [InlineData(20_000, 4_000, 1, 4_000)] // many-rooms
    [InlineData(500, 100, 1, 0)] // idle-500
    [InlineData(500, 300, 3, 0)] // idle-500-3rooms
    [InlineData(4_000, 2_400, 3, 0)] // idle-4000-3rooms
    [InlineData(60, 3, 1, 6)] // smoke
    [InlineData(10, 7, 3, 4)] // rooms that do not divide evenly
    [InlineData(5, 5, 5, 5)] // every connection in every room
    public void Every_room_gets_its_share_and_a_connections_rooms_are_distinct(int connections, int rooms, int perConnection, int senders)
    {
        var layout = new RoomLayout(rooms, perConnection, senders);
        var members = new int[rooms];
        for (var i = 0; i < connections; i++)
        {
            var joined = layout.RoomsOf(i);
            Assert.Equal(perConnection, joined.Distinct().Count());
            foreach (var room in joined)
            {
                members[room]++;
            }
        }

        var share = (double)connections * perConnection / rooms;
        Assert.All(members, count => Assert.InRange(count, Math.Floor(share), Math.Ceiling(share)));
    }

    [Theory]
    [InlineData(4_000, 1, 4_000)]
    [InlineData(3, 1, 6)]
    [InlineData(300, 3, 40)]
    [InlineData(7, 3, 4)]
    public void Each_sender_sends_to_its_first_room_and_has_a_slot_of_its_own_there(int rooms, int perConnection, int senders)
    {
        var layout = new RoomLayout(rooms, perConnection, senders);
        var slots = Enumerable.Range(0, senders).Select(s => (Room: layout.SenderRoom(s), Slot: layout.SlotOf(s))).ToArray();

        Assert.All(Enumerable.Range(0, senders), s => Assert.Equal(layout.RoomsOf(s)[0], layout.SenderRoom(s)));
        Assert.Equal(senders, slots.Distinct().Count());
        Assert.All(slots.GroupBy(s => s.Room), room =>
            Assert.Equal(Enumerable.Range(0, layout.SendersIn(room.Key)), room.Select(s => s.Slot).Order()));
        Assert.Equal(senders, Enumerable.Range(0, rooms).Sum(layout.SendersIn));
    }

    [Fact]
    public void With_one_room_each_sender_i_is_in_room_i()
    {
        var layout = new RoomLayout(rooms: 4_000, roomsPerConnection: 1, senders: 4_000);
        Assert.All(Enumerable.Range(0, 4_000), i => Assert.Equal((i, 1, 0), (layout.SenderRoom(i), layout.SendersIn(i), layout.SlotOf(i))));
        Assert.Equal(17, layout.RoomsOf(4_017)[0]);
        Assert.False(layout.IsSender(4_000));
    }

    [Theory]
    [InlineData(2, 3, 0)]
    [InlineData(0, 1, 0)]
    [InlineData(1, 0, 0)]
    [InlineData(1, 1, -1)]
    public void An_impossible_layout_is_refused(int rooms, int perConnection, int senders) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoomLayout(rooms, perConnection, senders));
}
