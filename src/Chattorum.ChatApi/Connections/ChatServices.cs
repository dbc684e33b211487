using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Hubs;

namespace Chattorum.ChatApi.Connections;

/// <summary>What every connection of this node works with.</summary>
public sealed record ChatServices(
    RoomHubs Hubs,
    ChatConnections Connections,
    SendBacklog Backlog,
    IRoomBackplane Backplane,
    CommandGateway Commands,
    ChatMetrics Metrics,
    TimeProvider Time,
    ChatOptions Options,
    ILogger<ChatClient> Logger);
