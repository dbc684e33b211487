using System.Collections.Concurrent;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>The live hubs of this node, one per room with members here.</summary>
public sealed class RoomHubs : IDisposable
{
    private readonly ConcurrentDictionary<string, RoomHub> _hubs = new(StringComparer.Ordinal);
    private readonly RoomHubContext _context;
    private readonly IRoomBackplane _backplane;

    public RoomHubs(IRoomBackplane backplane, IRoomPresence presence, QuietRoomChecks quietRooms, ChatMetrics metrics, ChatOptions options, ILogger<RoomHub> logger)
    {
        _backplane = backplane;
        Metrics = metrics;
        _context = new RoomHubContext(backplane, presence, quietRooms, metrics, logger, Retire, options.JoinHistoryCount);
        _backplane.Reconnected += OnReconnected;
    }

    internal ChatMetrics Metrics { get; }

    public int Count => _hubs.Count;

    public bool TryGet(string room, out RoomHub? hub) => _hubs.TryGetValue(room, out hub);

    /// <summary>Posts a command to the room's hub, starting one if the room has none (or its hub just retired).</summary>
    public RoomHub Post(string room, in HubCommand command)
    {
        while (true)
        {
            var hub = _hubs.GetOrAdd(room, static (name, context) => new RoomHub(name, context), _context);
            hub.EnsureStarted();
            if (hub.TryPost(command))
            {
                return hub;
            }

            _hubs.TryRemove(new KeyValuePair<string, RoomHub>(room, hub));
        }
    }

    /// <summary>
    /// Posts to the room's hub only if it has one: a member can only be in a live hub, so a command about a
    /// member (leave, unregister) never needs to start one. False when the room has no hub.
    /// </summary>
    public bool PostToExisting(string room, in HubCommand command)
    {
        while (_hubs.TryGetValue(room, out var hub))
        {
            if (hub.TryPost(command))
            {
                return true;
            }

            _hubs.TryRemove(new KeyValuePair<string, RoomHub>(room, hub));
        }

        return false;
    }

    public void Dispose() => _backplane.Reconnected -= OnReconnected;

    private void Retire(RoomHub hub)
    {
        _hubs.TryRemove(new KeyValuePair<string, RoomHub>(hub.Room, hub));
        Metrics.RoomStopped();
    }

    /// <summary>The subscription came back: every hub reads what it may have missed (the one catch-up that is per room).</summary>
    private void OnReconnected()
    {
        foreach (var hub in _hubs.Values)
        {
            hub.TryPost(HubCommand.CatchUp(CatchUpReason.Reconnected));
        }
    }
}
