using System.Collections.Concurrent;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// The node's one timer for catch-up: every <see cref="ChatLimits.QuietRoomCheckInterval"/> it asks each hub that had
/// live messages since its last check whether it has gone quiet (the hub then reads its stream's last id once). A room
/// without traffic is never looked at, so an idle node does nothing here; a busy room is looked at once per
/// interval, in memory, and read from Redis once when it goes quiet.
/// </summary>
public sealed class QuietRoomChecks : IDisposable
{
    private readonly ConcurrentQueue<IHubInbox> _watched = new();
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposed = new();

    public QuietRoomChecks(TimeProvider time)
    {
        _time = time;
        _ = RunAsync();
    }

    public long Now => _time.GetTimestamp();

    public TimeSpan Elapsed(long since, long now) => _time.GetElapsedTime(since, now);

    /// <summary>Hubs waiting for their next check, for diagnostics.</summary>
    public int Watched => _watched.Count;

    internal void Watch(IHubInbox hub) => _watched.Enqueue(hub);

    /// <summary>Posts a check to every watched hub (the timer's tick; tests call it directly).</summary>
    public void CheckNow()
    {
        for (var count = _watched.Count; count > 0 && _watched.TryDequeue(out var hub); count--)
        {
            // A hub that retired meanwhile refuses the post, and is forgotten.
            hub.TryPost(HubCommand.CheckTail());
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(ChatLimits.QuietRoomCheckInterval, _time);
            while (await timer.WaitForNextTickAsync(_disposed.Token).ConfigureAwait(false))
            {
                CheckNow();
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down.
        }
    }
}
