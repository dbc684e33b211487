using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.Support;

/// <summary>The Redis backplane built by hand, as the node's container would build it.</summary>
public static class TestBackplanes
{
    public static RedisRoomBackplane Redis(IConnectionMultiplexer connection, ChatMetrics? metrics = null, ChatOptions? options = null)
    {
        metrics ??= TestMeters.Chat();
        var replication = new ReplicationWait(connection, options ?? new ChatOptions(), metrics, TimeProvider.System, NullLogger<ReplicationWait>.Instance);
        var recovery = new SubscriptionRecovery(connection, metrics, TimeProvider.System, NullLogger<SubscriptionRecovery>.Instance);
        return new RedisRoomBackplane(connection, replication, recovery, metrics, options ?? new ChatOptions(), NullLogger<RedisRoomBackplane>.Instance);
    }
}
