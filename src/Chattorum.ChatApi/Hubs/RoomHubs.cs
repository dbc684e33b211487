using System.Collections.Concurrent;

namespace Chattorum.ChatApi.Hubs;

/// <summary>The live hubs of this node, one per room with members.</summary>
public sealed class RoomHubs(ChatMetrics metrics, TimeProvider time, ILogger<RoomHub> logger)
{
    private readonly ConcurrentDictionary<string, RoomHub> _hubs = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger;

    internal ChatMetrics Metrics => metrics;

    internal TimeProvider Time => time;

    public int Count => _hubs.Count;

    public bool TryGet(string room, out RoomHub? hub) => _hubs.TryGetValue(room, out hub);

    /// <summary>Posts a command to the room's hub, starting one if the room has none (or its hub just retired).</summary>
    public RoomHub Post(string room, in HubCommand command)
    {
        while (true)
        {
            var hub = _hubs.GetOrAdd(room, static (name, owner) => new RoomHub(name, owner, owner._logger), this);
            hub.EnsureStarted();
            if (hub.TryPost(command))
            {
                return hub;
            }

            _hubs.TryRemove(new KeyValuePair<string, RoomHub>(room, hub));
        }
    }

    internal void Retire(RoomHub hub)
    {
        _hubs.TryRemove(new KeyValuePair<string, RoomHub>(hub.Room, hub));
        metrics.RoomStopped();
    }
}
