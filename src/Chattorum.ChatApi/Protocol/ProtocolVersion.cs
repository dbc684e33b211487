namespace Chattorum.ChatApi.Protocol;

/// <summary>
/// The version of the WebSocket protocol this node speaks, announced in every <c>welcome</c> (docs/protocol.md,
/// "Versions"). Adding a frame type, a field, an error code or a limit keeps the version: clients ignore what they do
/// not know. Removing or renaming anything, changing a field's meaning or type, or changing an order guarantee is a new
/// version, and a node keeps serving the old one as long as clients use it.
/// </summary>
public static class ProtocolVersion
{
    public const int Current = 1;
}
