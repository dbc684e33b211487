using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// What Redis holds for the rooms, in one process: each room's capped stream, its channel and its members per
/// node. Several <see cref="InMemoryRoomBackplane"/>s and <see cref="InMemoryPresence"/>s sharing one instance
/// behave like nodes sharing one Redis, so hub behaviour can be tested without Redis. Everything happens under
/// one lock, and events are handed to subscribers under it, so every subscriber sees one order (as the Redis
/// scripts guarantee); subscribers must not block (the hubs only queue).
/// </summary>
public sealed class InMemoryRooms(TimeProvider time, int streamLength = ChatLimits.RoomStreamLength)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _once = new(StringComparer.Ordinal);

    public InMemoryRooms()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Appends and publishes; returns the id. With <paramref name="publish"/> false the channel never carries it (a dropped event).</summary>
    public string Append(string room, string user, string text, bool publish = true, string? onceKey = null)
    {
        lock (_lock)
        {
            if (onceKey is not null && _once.TryGetValue(onceKey, out var done))
            {
                return done;
            }

            var state = Get(room);
            var previous = state.Stream.Count > 0 ? state.Stream[^1].Id : new StreamId(0, 0);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var id = now > state.LastId.Milliseconds ? new StreamId(now, 0) : new StreamId(state.LastId.Milliseconds, state.LastId.Sequence + 1);
            state.LastId = id;
            state.Stream.Add(new Entry(id, user, text, previous));
            if (state.Stream.Count > streamLength)
            {
                state.Stream.RemoveAt(0);
            }

            if (publish)
            {
                var prefix = ServerFrameWriter.Current.MessagePrefix(room, user, text);
                Publish(state, RoomWireFormat.MessageEnvelope(id, previous, System.Diagnostics.Activity.Current?.Id, prefix));
            }

            if (onceKey is not null)
            {
                _once[onceKey] = id.ToString();
            }

            return id.ToString();
        }
    }

    public IDisposable Subscribe(string room, Action<RoomEvent> onEvent)
    {
        lock (_lock)
        {
            var state = Get(room);
            state.Subscribers.Add(onEvent);
            return new Unsubscriber(this, room, onEvent);
        }
    }

    /// <summary>How many subscriptions the room's channel has (Redis's PUBSUB NUMSUB).</summary>
    public int Subscribers(string room)
    {
        lock (_lock)
        {
            return _rooms.TryGetValue(room, out var state) ? state.Subscribers.Count : 0;
        }
    }

    public RoomSnapshot Load(string room, string? since, int count)
    {
        lock (_lock)
        {
            var state = Get(room);
            var members = state.Members.Keys.ToList();
            if (since is null)
            {
                return new RoomSnapshot(members, [.. state.Stream.TakeLast(count).Select(e => e.ToMessage(room))], false);
            }

            var after = StreamId.Parse(since);
            var entries = state.Stream.Where(e => e.Id > after).ToList();
            var truncated = entries.Count > 0 ? entries[0].Previous != after : state.Stream.Count == 0;
            return new RoomSnapshot(members, [.. entries.Select(e => e.ToMessage(room))], truncated);
        }
    }

    public IReadOnlyList<ChatMessage> ReadAfter(string room, StreamId? after)
    {
        lock (_lock)
        {
            return [.. Get(room).Stream.Where(e => after is not { } a || e.Id > a).Select(e => e.ToMessage(room))];
        }
    }

    public StreamId? LastId(string room)
    {
        lock (_lock)
        {
            var stream = Get(room).Stream;
            return stream.Count > 0 ? stream[^1].Id : null;
        }
    }

    public void Join(string room, string user, string node)
    {
        lock (_lock)
        {
            var state = Get(room);
            if (!state.Members.TryGetValue(user, out var nodes))
            {
                state.Members[user] = nodes = new HashSet<string>(StringComparer.Ordinal);
            }

            if (nodes.Add(node) && nodes.Count == 1)
            {
                Publish(state, RoomWireFormat.PresenceEnvelope(room, user, joined: true));
            }
        }
    }

    public void Leave(string room, string user, string node)
    {
        lock (_lock)
        {
            var state = Get(room);
            if (state.Members.TryGetValue(user, out var nodes) && nodes.Remove(node) && nodes.Count == 0)
            {
                state.Members.Remove(user);
                Publish(state, RoomWireFormat.PresenceEnvelope(room, user, joined: false));
            }
        }
    }

    private static void Publish(Room state, byte[] envelope)
    {
        if (!RoomEvent.TryParse(envelope, out var roomEvent))
        {
            throw new InvalidOperationException("RoomWireFormat wrote an envelope RoomEvent cannot read");
        }

        foreach (var subscriber in state.Subscribers)
        {
            subscriber(roomEvent);
        }
    }

    private Room Get(string room)
    {
        if (!_rooms.TryGetValue(room, out var state))
        {
            _rooms[room] = state = new Room();
        }

        return state;
    }

    private sealed class Room
    {
        public List<Entry> Stream { get; } = [];

        public StreamId LastId { get; set; }

        public List<Action<RoomEvent>> Subscribers { get; } = [];

        public Dictionary<string, HashSet<string>> Members { get; } = new(StringComparer.Ordinal);
    }

    private sealed record Entry(StreamId Id, string User, string Text, StreamId Previous)
    {
        public ChatMessage ToMessage(string room) => new(room, Id.ToString(), User, Text, Id.Milliseconds);
    }

    private sealed class Unsubscriber(InMemoryRooms rooms, string room, Action<RoomEvent> onEvent) : IDisposable
    {
        public void Dispose()
        {
            lock (rooms._lock)
            {
                rooms.Get(room).Subscribers.Remove(onEvent);
            }
        }
    }
}
