using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// Gets the node's room subscriptions back after Redis moved under them, and says when, so that hubs read what the
/// channels missed meanwhile (<see cref="IRoomBackplane.Reconnected"/>). Measured with StackExchange.Redis 2.13.17
/// on a local cluster (tests/Chattorum.Tests.Integration/RedisCluster/ShardedPubSubTests.cs):
/// <list type="bullet">
/// <item>a primary killed: left alone, the library moved a sharded subscription to the promoted replica 1 to 4 s
/// after the promotion in 12 of 14 rounds, after 61 s in one and not within 30 s in another (its next look at the
/// cluster was its periodic one); asking it to re-read the cluster every 500 ms until each channel is subscribed on
/// a connected server brought deliveries back 0.03 to 0.93 s after the promotion in 15 of 15 rounds;</item>
/// <item>a slot migrated: the library follows Redis's SUNSUBSCRIBE by itself within 0.1 s, but what was published
/// while the slot was half moved reached nobody (it went to the target, where nobody was subscribed yet).</item>
/// </list>
/// In both cases no <c>ConnectionRestored</c> fires (the new owner's connections were already open), so this
/// watches <c>ConnectionFailed</c> and <c>HashSlotMoved</c>. One loop per node, only after a fault: nothing while
/// Redis is healthy.
/// </summary>
public sealed partial class SubscriptionRecovery : IDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ChatMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<RedisChannel, byte> _channels = new();
    private readonly CancellationTokenSource _disposed = new();
    private int _recovering;
    private int _rerun;

    public SubscriptionRecovery(IConnectionMultiplexer redis, ChatMetrics metrics, TimeProvider time, ILogger<SubscriptionRecovery> logger)
    {
        (_redis, _metrics, _time, _logger) = (redis, metrics, time, logger);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        _redis.HashSlotMoved += OnHashSlotMoved;
    }

    /// <summary>The subscriptions are back after a fault: what the channels missed is in the streams.</summary>
    public event Action? Recovered;

    public void Track(RedisChannel channel) => _channels.TryAdd(channel, 0);

    public void Forget(RedisChannel channel) => _channels.TryRemove(channel, out _);

    public void Dispose()
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.HashSlotMoved -= OnHashSlotMoved;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    // Only connections that carry room subscriptions count: in a cluster the node also holds subscription
    // connections to replicas and to primaries of other rooms, and a catch-up reads every room on the node
    // (measured: 3,900 stream reads when a replica's connection came back in the many-rooms benchmark).
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription && (Carries(args.EndPoint) || !AllSubscribedOnConnectedServers()))
        {
            Start($"the subscription connection to {args.EndPoint} failed");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription && Carries(args.EndPoint))
        {
            Start($"the subscription connection to {args.EndPoint} was restored");
        }
    }

    /// <summary>Whether a room channel is subscribed on that server, or on none (lost with it).</summary>
    private bool Carries(System.Net.EndPoint? endPoint)
    {
        var subscriber = _redis.GetSubscriber();
        foreach (var channel in _channels.Keys)
        {
            if (subscriber.SubscribedEndpoint(channel) is not { } subscribed || Equals(subscribed, endPoint))
            {
                return true;
            }
        }

        return false;
    }

    private void OnHashSlotMoved(object? sender, HashSlotMovedEventArgs args) =>
        Start($"slot {args.HashSlot} moved from {args.OldEndPoint} to {args.NewEndPoint}");

    /// <summary>Starts the loop, or has the running one go round once more (a second fault while recovering).</summary>
    private void Start(string reason)
    {
        LogFault(_logger, reason);
        Volatile.Write(ref _rerun, 1);
        if (Interlocked.Exchange(ref _recovering, 1) == 0)
        {
            _ = RecoverAsync();
        }
    }

    private async Task RecoverAsync()
    {
        try
        {
            do
            {
                Volatile.Write(ref _rerun, 0);
                while (!AllSubscribedOnConnectedServers())
                {
                    await Task.Delay(ChatLimits.ResubscribeCheckInterval, _time, _disposed.Token).ConfigureAwait(false);
                    await ReconfigureAsync().ConfigureAwait(false);
                }

                LogRecovered(_logger, _channels.Count);
                _metrics.BackplaneReconnected();
                Recovered?.Invoke();

                // A burst of fault events (a slot moving key by key) makes one catch-up per interval, not one per event.
                if (Volatile.Read(ref _rerun) == 1)
                {
                    await Task.Delay(ChatLimits.ResubscribeCheckInterval, _time, _disposed.Token).ConfigureAwait(false);
                }
            }
            while (Volatile.Read(ref _rerun) == 1);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down.
        }
        finally
        {
            Volatile.Write(ref _recovering, 0);
        }
    }

    /// <summary>Asks the library to read the cluster's layout again (it would wait for its periodic check otherwise).</summary>
    private async Task ReconfigureAsync()
    {
        if (AllSubscribedOnConnectedServers() || _redis is not ConnectionMultiplexer multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.ReconfigureAsync("chattorum: room subscriptions lost their server").ConfigureAwait(false);
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            // Redis still away: try again at the next interval.
            LogRecoveryFailed(_logger, exception.Message);
        }
    }

    private bool AllSubscribedOnConnectedServers()
    {
        var subscriber = _redis.GetSubscriber();
        foreach (var channel in _channels.Keys)
        {
            if (subscriber.SubscribedEndpoint(channel) is not { } endPoint || !_redis.GetServer(endPoint).IsConnected)
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis moved under the room subscriptions ({Reason}); getting them back")]
    private static partial void LogFault(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Rooms} room subscription(s) are on connected Redis servers again; hubs catch up from the streams")]
    private static partial void LogRecovered(ILogger logger, int rooms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the Redis layout again failed: {Error}; trying again")]
    private static partial void LogRecoveryFailed(ILogger logger, string error);
}
