namespace Chattorum.ChatApi.Protocol;

public enum ClientFrameType
{
    Join,
    Leave,
    Send,
    Ping,
}

/// <summary>A client frame that parsed and passed validation.</summary>
public readonly record struct ClientFrame(ClientFrameType Type, string? Room, string? Text, string? Cid, string? Since = null)
{
    public static string Name(ClientFrameType type) => type switch
    {
        ClientFrameType.Join => "join",
        ClientFrameType.Leave => "leave",
        ClientFrameType.Send => "send",
        ClientFrameType.Ping => "ping",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>Why a client frame was refused; <see cref="Frame"/> and <see cref="Cid"/> say which frame, where known.</summary>
public readonly record struct FrameError(string Code, string Message, string? Frame = null, string? Cid = null, string? Id = null);
