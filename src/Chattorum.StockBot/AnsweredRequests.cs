using System.Collections.Concurrent;

namespace Chattorum.StockBot;

/// <summary>
/// The request ids this bot answered lately, so that a redelivered request is acked without a second answer.
/// Bounded: the oldest are forgotten first (the chat also posts each reply once, by request id).
/// </summary>
public sealed class AnsweredRequests(int capacity)
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public bool Contains(string requestId) => _ids.ContainsKey(requestId);

    public void Add(string requestId)
    {
        if (!_ids.TryAdd(requestId, 0))
        {
            return;
        }

        _order.Enqueue(requestId);
        while (_ids.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _ids.TryRemove(oldest, out _);
        }
    }
}
