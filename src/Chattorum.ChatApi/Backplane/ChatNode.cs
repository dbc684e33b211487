namespace Chattorum.ChatApi.Backplane;

/// <summary>This process's identity among the chat nodes.</summary>
public sealed class ChatNode
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
