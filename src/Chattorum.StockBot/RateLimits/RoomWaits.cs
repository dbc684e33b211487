using System.Collections.Concurrent;

namespace Chattorum.StockBot.RateLimits;

/// <summary>
/// The rooms that have requests in the delay queue, as this bot process put them there: a new request for such a room
/// waits behind them (the delay queue is first in, first out), instead of being answered before the older ones. An
/// entry ends when its requests are back, or <see cref="ReturnGrace"/> after the last was due back (another replica may
/// have taken it, or it was answered before a restart), so a room is never held up for good by a lost count.
/// </summary>
public sealed class RoomWaits(TimeProvider time)
{
    /// <summary>How long after its last request was due back a room still counts as waiting.</summary>
    public static readonly TimeSpan ReturnGrace = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _rooms = new(StringComparer.Ordinal);

    /// <summary>True, with the time its last waiting request is due back, while <paramref name="room"/> has requests waiting.</summary>
    public bool IsWaiting(string room, out DateTimeOffset dueBack)
    {
        dueBack = default;
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            if (entry.Count <= 0 || time.GetUtcNow() >= entry.DueBack + ReturnGrace)
            {
                return false;
            }

            dueBack = entry.DueBack;
            return true;
        }
    }

    /// <summary>A request of <paramref name="room"/> went to the delay queue, due back at <paramref name="dueBack"/>.</summary>
    public void Deferred(string room, DateTimeOffset dueBack)
    {
        var entry = _rooms.GetOrAdd(room, static _ => new Entry());
        lock (entry)
        {
            entry.Count++;
            entry.DueBack = entry.DueBack > dueBack ? entry.DueBack : dueBack;
        }
    }

    /// <summary>A request of <paramref name="room"/> came back from the delay queue.</summary>
    public void Returned(string room)
    {
        if (!_rooms.TryGetValue(room, out var entry))
        {
            return;
        }

        lock (entry)
        {
            entry.Count = Math.Max(0, entry.Count - 1);
            if (entry.Count == 0)
            {
                _rooms.TryRemove(KeyValuePair.Create(room, entry));
            }
        }
    }

    private sealed class Entry
    {
        public int Count { get; set; }

        public DateTimeOffset DueBack { get; set; }
    }
}
