using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace Chattorum.ChatApi.Connections;

/// <summary>The open connections of this node, so that shutdown can say goodbye to each and the stall sweep can look at each.</summary>
public sealed class ChatConnections
{
    private readonly ConcurrentDictionary<ChatClient, byte> _open = new();

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

    public void Add(ChatClient client) => _open.TryAdd(client, 0);

    public void Remove(ChatClient client) => _open.TryRemove(client, out _);

    /// <summary>Closes every connection with 1001 after flushing what is already queued to it.</summary>
    public void CloseAll(string reason)
    {
        foreach (var client in _open.Keys)
        {
            client.Close(WebSocketCloseStatus.EndpointUnavailable, reason, drain: true);
        }
    }
}
