namespace Chattorum.ChatApi.Hubs;

public enum HubCommandKind
{
    /// <summary>Add the member; it gets <c>joined</c>, the others <c>presence</c>.</summary>
    Register,

    /// <summary>Remove the member without a reply (it disconnected).</summary>
    Unregister,

    /// <summary>Remove the member and confirm with <c>left</c>.</summary>
    Leave,

    /// <summary>Stamp the text as the room's next message and deliver it to every member.</summary>
    Broadcast,
}

public readonly record struct HubCommand(HubCommandKind Kind, IRoomMember Member, string? Cid = null, string? Text = null);
