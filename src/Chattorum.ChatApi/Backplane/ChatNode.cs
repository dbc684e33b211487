namespace Chattorum.ChatApi.Backplane;

/// <summary>This process's identity among the chat nodes: new at every start, so a restarted node is a new node.</summary>
public sealed class ChatNode(string id)
{
    public ChatNode()
        : this($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}")
    {
    }

    public string Id { get; } = id;
}
