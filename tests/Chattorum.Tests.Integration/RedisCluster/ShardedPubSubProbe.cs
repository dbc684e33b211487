using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>What the application does, beyond subscribing once, to keep a sharded subscription alive through faults.</summary>
public enum ResubscribePolicy
{
    /// <summary>Nothing: whatever comes back, the library brought back.</summary>
    Never,

    /// <summary>On every ConfigurationChanged, unsubscribe the channel and subscribe it again.</summary>
    OnConfigurationChanged,

    /// <summary>
    /// On a lost subscription connection, ask the library to re-read the cluster (ReconfigureAsync) every
    /// <see cref="ShardedPubSubProbe.ReconfigureInterval"/> until the channel is subscribed somewhere again.
    /// </summary>
    ReconfigureUntilSubscribed,
}

/// <summary>
/// A subscriber and a publisher of one sharded channel, on one multiplexer, as the chat node uses them: the
/// subscriber through a <see cref="ChannelMessageQueue"/> with OnMessage, the publisher through a Lua script
/// (routed by a key in the channel's slot) that calls SPUBLISH. Every publish (its sequence number, when, how many
/// subscribers Redis says it reached, or its error), every delivery and every multiplexer event is timed on one
/// clock, so that a test can say when deliveries stopped and came back around a fault, and what the library did.
/// </summary>
public sealed class ShardedPubSubProbe : IAsyncDisposable
{
    /// <summary>A publish every 50 ms: fine enough to time a recovery, light enough for two cores.</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How often <see cref="ResubscribePolicy.ReconfigureUntilSubscribed"/> asks for the cluster's layout again: the chat node's reconnect interval.</summary>
    public static readonly TimeSpan ReconfigureInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The publish script: the key (same hash tag as the channel) routes it to the slot's primary; INCR makes it exist, so that a migration moves it.</summary>
    private const string PublishScript = "redis.call('INCR', KEYS[1]) return redis.call('SPUBLISH', ARGV[1], ARGV[2])";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<string> _events = new();
    private readonly ConcurrentDictionary<long, TimeSpan> _received = new();
    private readonly ConcurrentQueue<Publish> _published = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ResubscribePolicy _policy;
    private readonly object _helping = new();
    private Task _publishing = Task.CompletedTask;
    private Task _help = Task.CompletedTask;
    private long _sequence;
    private int _helps;

    public ShardedPubSubProbe(ConnectionMultiplexer redis, string room, ResubscribePolicy policy)
    {
        Redis = redis;
        Channel = RedisChannel.Sharded($"chattorum:room:{{{room}}}:events");
        Key = $"chattorum:room:{{{room}}}:probe";
        _policy = policy;
        redis.ConnectionFailed += (_, e) => OnConnectionFailed(e);
        redis.ConnectionRestored += (_, e) => Record($"ConnectionRestored {e.EndPoint} {e.ConnectionType}");
        redis.ConfigurationChanged += (_, e) => OnConfigurationChanged(e);
        redis.ConfigurationChangedBroadcast += (_, e) => Record($"ConfigurationChangedBroadcast {e.EndPoint}");
        redis.HashSlotMoved += (_, e) => Record($"HashSlotMoved {e.HashSlot} {e.OldEndPoint} -> {e.NewEndPoint}");
        redis.InternalError += (_, e) => Record($"InternalError {e.EndPoint} {e.Origin} {e.Exception.Message}");

        // ErrorMessage is left out: while the cluster is down it fires for every publish (CLUSTERDOWN), which the publishes record anyway.
    }

    public ConnectionMultiplexer Redis { get; }

    public RedisChannel Channel { get; }

    /// <summary>The key that routes the publish script: same hash tag, so same slot, as the channel.</summary>
    public string Key { get; }

    public int Slot => Support.RedisClusterServer.KeySlot(Key);

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>How many times the application's policy acted (resubscribed, or reconfigured).</summary>
    public int Helps => _helps;

    /// <summary>The server the library holds the subscription on, if any.</summary>
    public string? SubscribedEndPoint => Redis.GetSubscriber().SubscribedEndpoint(Channel)?.ToString();

    public async Task SubscribeAsync()
    {
        var queue = await Redis.GetSubscriber().SubscribeAsync(Channel);
        queue.OnMessage(message => _received.TryAdd(long.Parse((string)message.Message!, CultureInfo.InvariantCulture), Now));
    }

    public void StartPublishing() => _publishing = Task.Run(PublishLoopAsync);

    private async Task PublishLoopAsync()
    {
        using var pace = new PeriodicTimer(PublishInterval);
        while (await TickAsync(pace))
        {
            var sequence = Interlocked.Increment(ref _sequence);
            var at = Now;
            try
            {
                var receivers = (long)await Redis.GetDatabase().ScriptEvaluateAsync(PublishScript, [Key], [Channel.ToString(), sequence.ToString(CultureInfo.InvariantCulture)]);
                _published.Enqueue(new Publish(sequence, at, receivers, null));
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                _published.Enqueue(new Publish(sequence, at, null, $"{exception.GetType().Name}: {FirstWords(exception.Message)}"));
            }
        }
    }

    private async Task<bool> TickAsync(PeriodicTimer pace)
    {
        try
        {
            return await pace.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Publishes made at or after <paramref name="since"/> that Redis acknowledged (with a count of subscribers reached), in order.</summary>
    public IReadOnlyList<Publish> AcknowledgedSince(TimeSpan since) => [.. _published.Where(p => p.At >= since && p.Receivers is not null)];

    public bool WasDelivered(long sequence) => _received.ContainsKey(sequence);

    public TimeSpan? DeliveredAt(long sequence) => _received.TryGetValue(sequence, out var at) ? at : null;

    /// <summary>The first publish made at or after <paramref name="since"/> that was delivered, once there is one.</summary>
    public async Task<Publish?> FirstDeliveredSinceAsync(TimeSpan since, TimeSpan within)
    {
        var deadline = Now + within;
        while (true)
        {
            if (_published.FirstOrDefault(p => p.At >= since && WasDelivered(p.Sequence)) is { } first)
            {
                return first;
            }

            if (Now > deadline)
            {
                return null;
            }

            await Task.Delay(PublishInterval);
        }
    }

    public void Record(string what) => _events.Enqueue($"{Now.TotalMilliseconds,8:0} ms  {what}");

    private void OnConnectionFailed(ConnectionFailedEventArgs e)
    {
        Record($"ConnectionFailed {e.EndPoint} {e.ConnectionType} {e.FailureType}");
        if (_policy == ResubscribePolicy.ReconfigureUntilSubscribed && e.ConnectionType == ConnectionType.Subscription)
        {
            Help(ReconfigureUntilSubscribedAsync);
        }
    }

    private void OnConfigurationChanged(EndPointEventArgs e)
    {
        Record($"ConfigurationChanged {e.EndPoint}");
        if (_policy == ResubscribePolicy.OnConfigurationChanged)
        {
            Help(ResubscribeAsync);
        }
    }

    /// <summary>The library raises its events on its own threads: the application's help runs apart, one action at a time.</summary>
    private void Help(Func<Task> action)
    {
        lock (_helping)
        {
            _help = _help.ContinueWith(_ => action(), TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Drops the channel's subscription and takes it again, so that the library routes it afresh.</summary>
    private async Task ResubscribeAsync()
    {
        try
        {
            await Redis.GetSubscriber().UnsubscribeAsync(Channel);
            await SubscribeAsync();
            Interlocked.Increment(ref _helps);
            Record($"application resubscribed (on {SubscribedEndPoint})");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Record($"application resubscribe failed: {FirstWords(exception.Message)}");
        }
    }

    /// <summary>
    /// Re-reads the cluster's layout until the library holds the channel's subscription on a connected server again.
    /// Each reconfiguration that sees the new layout makes the library subscribe its channels where they now live;
    /// without this, the next one may come only at the library's periodic check, a minute later.
    /// </summary>
    private async Task ReconfigureUntilSubscribedAsync()
    {
        using var pace = new PeriodicTimer(ReconfigureInterval);
        while (!IsSubscribedOnAConnectedServer && await TickAsync(pace))
        {
            var ran = await Redis.ReconfigureAsync("sharded subscription lost");
            Interlocked.Increment(ref _helps);
            Record($"application reconfigured (ran: {ran}; subscribed on {SubscribedEndPoint ?? "nothing"})");
        }
    }

    /// <summary>The library holds the subscription on a server it is connected to (right after a connection fails, it may still name the lost one).</summary>
    private bool IsSubscribedOnAConnectedServer => Redis.GetSubscriber().SubscribedEndpoint(Channel) is { } server && Redis.GetServer(server).IsConnected;

    /// <summary>The events, then the publishes from a second before the fault, in runs of the same outcome.</summary>
    public string Timeline(TimeSpan fault)
    {
        var text = new StringBuilder();
        foreach (var line in _events)
        {
            text.AppendLine(line);
        }

        string? outcome = null;
        var run = new List<Publish>();
        foreach (var publish in _published.Where(p => p.At >= fault - TimeSpan.FromSeconds(1)).Cast<Publish?>().Append(null))
        {
            var current = publish is null ? null : Outcome(publish);
            if (run.Count > 0 && (current != outcome || publish is null))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{run[0].At.TotalMilliseconds,8:0} ms  {run.Count} publish(es) #{run[0].Sequence}-#{run[^1].Sequence}: {outcome}");
                run.Clear();
            }

            outcome = current;
            if (publish is not null)
            {
                run.Add(publish);
            }
        }

        return text.ToString();
    }

    private string Outcome(Publish publish) =>
        publish.Error ?? $"reached {publish.Receivers} subscriber(s), {(WasDelivered(publish.Sequence) ? "delivered" : "NOT delivered")}";

    private static string FirstWords(string text) => text.Split(['\n', ','])[0];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _publishing;
        await _help;
        _stop.Dispose();
    }

    public sealed record Publish(long Sequence, TimeSpan At, long? Receivers, string? Error);
}
