using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// What a joining member starts from, read in one atomic step: who is in the room, the history (oldest
/// first), and whether messages after <c>since</c> were already trimmed away.
/// </summary>
public sealed record RoomSnapshot(IReadOnlyList<string> Members, IReadOnlyList<ChatMessage> History, bool Truncated);
