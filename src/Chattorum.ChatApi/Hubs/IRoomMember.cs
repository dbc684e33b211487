using System.Net.WebSockets;

namespace Chattorum.ChatApi.Hubs;

public enum EnqueueResult
{
    Queued,
    Full,
    Closed,
}

/// <summary>What a hub needs of a connection: a name, a non-blocking send queue and a way to drop it.</summary>
public interface IRoomMember
{
    string User { get; }

    bool IsClosed { get; }

    /// <summary>Queues a frame without waiting. The bytes are shared with other receivers and must not be changed.</summary>
    EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame);

    void Close(WebSocketCloseStatus status, string reason, bool drain);
}
