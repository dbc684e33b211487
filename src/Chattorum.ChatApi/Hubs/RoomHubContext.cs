using Chattorum.ChatApi.Backplane;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// What every room hub of a node works with, handed to it explicitly (it never reaches back into <see cref="RoomHubs"/>).
/// <paramref name="JoinHistoryCount"/> is the node's <c>Chat:JoinHistoryCount</c>.
/// </summary>
public sealed record RoomHubContext(
    IRoomBackplane Backplane,
    IRoomPresence Presence,
    QuietRoomChecks QuietRooms,
    ChatMetrics Metrics,
    ILogger Logger,
    Action<RoomHub> Retired,
    int JoinHistoryCount);

/// <summary>How a hub's parts hand work back to its loop.</summary>
internal interface IHubInbox
{
    bool TryPost(in HubCommand command);
}
