using System.Collections.Concurrent;

namespace Chattorum.ChatApi.Connections;

/// <summary>The open connections of this node, so that shutdown can say goodbye to each and the stall sweep can look at each.</summary>
public sealed class ChatConnections
{
    private readonly ConcurrentDictionary<ChatClient, byte> _open = new();
    private string? _closingReason;

    public int Count => _open.Count;

    /// <summary>Frames queued to all open connections, for the send-queue gauge.</summary>
    public long QueuedFrames()
    {
        long queued = 0;
        foreach (var client in _open.Keys)
        {
            queued += client.QueuedFrames;
        }

        return queued;
    }

    /// <summary>The open connections, without taking a snapshot (the sweep walks them every second).</summary>
    public IEnumerable<ChatClient> Open
    {
        get
        {
            foreach (var pair in _open)
            {
                yield return pair.Key;
            }
        }
    }

    public void Add(ChatClient client)
    {
        _open.TryAdd(client, 0);

        // A connection upgraded just before the shutdown began, and added after CloseAll looked, says goodbye too
        // (the fence: either this sees the reason, or CloseAll sees the connection).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _closingReason) is { } reason)
        {
            client.ShutDown(reason);
        }
    }

    public void Remove(ChatClient client) => _open.TryRemove(client, out _);

    /// <summary>
    /// The node is shutting down: every connection stops handling frames, answers the sends it already handed to
    /// Redis, then closes with 1001 after flushing what is queued to it (<see cref="ChatClient.ShutDown"/>).
    /// </summary>
    public void CloseAll(string reason)
    {
        Interlocked.Exchange(ref _closingReason, reason);
        foreach (var client in _open.Keys)
        {
            client.ShutDown(reason);
        }
    }
}
