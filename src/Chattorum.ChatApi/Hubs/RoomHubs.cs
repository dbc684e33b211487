using System.Collections.Concurrent;
using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>The live hubs of this node, one per room with members here.</summary>
public sealed class RoomHubs : IDisposable
{
    private readonly ConcurrentDictionary<string, RoomHub> _hubs = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();

    public RoomHubs(IRoomBackplane backplane, RedisPresence presence, ChatMetrics metrics, ILogger<RoomHub> logger)
    {
        Backplane = backplane;
        Presence = presence;
        Metrics = metrics;
        _logger = logger;
        Backplane.Reconnected += OnReconnected;
        _ = ResyncPeriodicallyAsync();
    }

    internal IRoomBackplane Backplane { get; }

    internal RedisPresence Presence { get; }

    internal ChatMetrics Metrics { get; }

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

    internal void Retire(RoomHub hub)
    {
        _hubs.TryRemove(new KeyValuePair<string, RoomHub>(hub.Room, hub));
        Metrics.RoomStopped();
    }

    public void Dispose()
    {
        Backplane.Reconnected -= OnReconnected;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private void OnReconnected() => ResyncAll(afterReconnection: true);

    /// <summary>Runs until disposed: the periodic catch-up of every hub.</summary>
    private async Task ResyncPeriodicallyAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(ChatLimits.ResyncInterval);
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                ResyncAll(afterReconnection: false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private void ResyncAll(bool afterReconnection)
    {
        foreach (var hub in _hubs.Values)
        {
            hub.TryPost(HubCommand.Resync(afterReconnection));
        }
    }
}
