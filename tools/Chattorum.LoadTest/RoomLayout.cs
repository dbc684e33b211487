namespace Chattorum.LoadTest;

/// <summary>
/// Which rooms each connection joins and where each sender sends. Connection i joins rooms
/// <c>(i·N + k) mod R</c> for k below N: numbered that way, the connections' joins go round the rooms in turn, so
/// every room gets its share (C·N/R members, give or take one) and one connection's N rooms are distinct (N ≤ R).
/// With one room per connection that is room <c>i mod R</c>. A sender (one of the first S connections) sends to
/// its first room: sender i is in room i when N is 1.
/// </summary>
internal sealed class RoomLayout
{
    private readonly int[] _sendersIn;
    private readonly int[] _slotOf;

    public RoomLayout(int rooms, int roomsPerConnection, int senders)
    {
        if (rooms < 1 || roomsPerConnection < 1 || roomsPerConnection > rooms || senders < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(roomsPerConnection), $"{roomsPerConnection} room(s) per connection, {rooms} room(s), {senders} sender(s)");
        }

        Rooms = rooms;
        RoomsPerConnection = roomsPerConnection;
        Senders = senders;
        _sendersIn = new int[rooms];
        _slotOf = new int[senders];
        for (var sender = 0; sender < senders; sender++)
        {
            _slotOf[sender] = _sendersIn[SenderRoom(sender)]++;
        }
    }

    public int Rooms { get; }

    public int RoomsPerConnection { get; }

    public int Senders { get; }

    public int RoomOf(int connection, int k) => (int)((((long)connection * RoomsPerConnection) + k) % Rooms);

    public int[] RoomsOf(int connection)
    {
        var rooms = new int[RoomsPerConnection];
        for (var k = 0; k < rooms.Length; k++)
        {
            rooms[k] = RoomOf(connection, k);
        }

        return rooms;
    }

    public int SenderRoom(int sender) => RoomOf(sender, 0);

    /// <summary>How many senders send to <paramref name="room"/>.</summary>
    public int SendersIn(int room) => _sendersIn[room];

    /// <summary>The sender's place among its room's senders (from 0), to index a receiver's per-room counters.</summary>
    public int SlotOf(int sender) => _slotOf[sender];

    public bool IsSender(int index) => (uint)index < (uint)Senders;
}
