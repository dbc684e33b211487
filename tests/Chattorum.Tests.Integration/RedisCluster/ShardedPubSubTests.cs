using System.Globalization;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.RedisCluster;

/// <summary>
/// How StackExchange.Redis keeps a sharded subscription (SSUBSCRIBE) through a real cluster's faults: its slot's
/// primary killed (a replica takes over), its slot migrated to another primary. A probe publishes every 50 ms from a
/// Lua script and times every delivery and library event; each test asserts that messages published after the fault
/// arrive again and writes the timeline. CHATTORUM_PUBSUB_ROUNDS=N repeats each scenario N times (1 by default).
/// </summary>
/// <remarks>
/// Measured with 2.13.17 on this fixture (the other <see cref="ResubscribePolicy"/> values can be passed to the
/// failover test to measure them again). After a failover (~3-4.7 s from SIGKILL to a promoted replica):
/// <list type="bullet">
/// <item>left alone (<see cref="ResubscribePolicy.Never"/>), the library subscribed again 4.9-8.0 s after the kill in
/// 12 rounds of 14; in one it did at 61 s (its periodic check), in another not within 30 s. No event tells the
/// application: the new primary's connections were already open (no ConnectionRestored).</item>
/// <item>resubscribing on ConfigurationChanged (<see cref="ResubscribePolicy.OnConfigurationChanged"/>) did not
/// help: the first event comes at once, with the old layout, and the resubscription fails (UnableToConnect to the
/// dead primary); the next comes when the library has just resubscribed by itself (4.8-8.9 s after the kill, 14 rounds).</item>
/// <item>asking the library to reconfigure until the channel is subscribed on a connected server
/// (<see cref="ResubscribePolicy.ReconfigureUntilSubscribed"/>) brought deliveries back 0.03-0.93 s after the
/// promotion (13 rounds): the test below.</item>
/// </list>
/// After a migration, the library follows Redis's SUNSUBSCRIBE by itself and needs no help; but what a script
/// publishes after its key has moved and before the subscriber follows reaches nobody (Redis's behaviour).
/// </remarks>
[Collection(RedisClusterCollection.Name)]
public sealed class ShardedPubSubTests(RedisClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>A failover takes ~4 s here, and the application's reconfigurations pick it up within ~1 s; the rest is room for a slow machine.</summary>
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan SteadyTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Publishes that must all be delivered once deliveries are back, to call the subscription steady again.</summary>
    private const int SteadyPublishes = 20;

    /// <summary>Publishes made while a slot is half moved (its keys on the target, the slot still the source's).</summary>
    private const int HalfMovedPublishes = 10;

    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("CHATTORUM_PUBSUB_ROUNDS"), CultureInfo.InvariantCulture, out var rounds) ? rounds : 1;

    private RedisClusterServer Cluster => fixture.Cluster;

    /// <summary>
    /// The application's help is needed here: left alone, the library may resubscribe only a minute after the
    /// failover (see the remarks on the class).
    /// </summary>
    [Theory]
    [InlineData(ResubscribePolicy.ReconfigureUntilSubscribed)]
    public async Task A_sharded_subscriber_receives_again_after_its_primary_is_killed(ResubscribePolicy policy)
    {
        for (var round = 1; round <= Rounds; round++)
        {
            await Cluster.HealAsync();
            await using var redis = await fixture.ConnectAsync();
            await using var probe = await StartedProbeAsync(redis, policy);
            var primary = await Cluster.PrimaryForAsync(probe.Slot);
            var fault = probe.Now;
            probe.Record($"SIGKILL of the slot's primary {primary}");
            await Cluster.KillAsync(primary);
            var promoted = await Cluster.WaitForFailoverAsync(probe.Slot);
            var settled = probe.Now;
            probe.Record($"fixture: {promoted} promoted, every live node ok");

            await ReportRecoveryAsync(probe, round, policy, fault, settled, $"failover took {Ms(settled - fault)}");
            Assert.Equal(promoted.EndPoint, probe.SubscribedEndPoint);
        }

        await Cluster.HealAsync();
    }

    /// <summary>The library needs no help here: Redis's SUNSUBSCRIBE makes it subscribe again where the slot went.</summary>
    [Theory]
    [InlineData(ResubscribePolicy.Never)]
    public async Task A_sharded_subscriber_receives_again_after_its_slot_migrates(ResubscribePolicy policy)
    {
        for (var round = 1; round <= Rounds; round++)
        {
            await Cluster.HealAsync();
            await using var redis = await fixture.ConnectAsync();
            await using var probe = await StartedProbeAsync(redis, policy);
            var source = await Cluster.PrimaryForAsync(probe.Slot);
            var target = (await Cluster.PrimariesAsync()).First(node => node != source);
            var assigning = probe.Now;
            IReadOnlyList<ShardedPubSubProbe.Publish> halfMoved = [];
            probe.Record($"migrating slot {probe.Slot} from {source} to {target}, key by key");
            await Cluster.MigrateSlotAsync(probe.Slot, target, batch: 1, betweenBatches: async () =>
            {
                // The probe's key is the slot's only key: now on the target, while the source still owns the slot
                // (and holds the subscription). The script follows ASK to the target, whose SPUBLISH reaches nobody.
                var since = probe.Now;
                await Eventually.EqualAsync(true, () => Task.FromResult(probe.AcknowledgedSince(since).Count >= HalfMovedPublishes), SteadyTimeout);
                halfMoved = probe.AcknowledgedSince(since);
                assigning = probe.Now;
                probe.Record($"half moved: {halfMoved.Count} publishes reached {halfMoved.Sum(p => p.Receivers)} subscribers; assigning the slot to the target");
            });
            var settled = probe.Now;
            probe.Record($"fixture: slot {probe.Slot} on {target} for every node");

            await ReportRecoveryAsync(probe, round, policy, assigning, settled, $"{halfMoved.Count(p => p.Receivers == 0)} of {halfMoved.Count} half-moved publishes reached no subscriber");
            Assert.Equal(target.EndPoint, probe.SubscribedEndPoint);

            // Redis's own behaviour, which no client can change: while a slot is half moved, a script whose key has
            // moved runs on the target, where no subscriber is yet. Those messages exist only in what the script
            // wrote; a subscriber that needs them must read them back (the application's help).
            Assert.All(halfMoved, publish => Assert.Equal(0, publish.Receivers));
        }
    }

    /// <summary>Subscribes, publishes steadily, and returns once a publish has been delivered.</summary>
    private static async Task<ShardedPubSubProbe> StartedProbeAsync(ConnectionMultiplexer redis, ResubscribePolicy policy)
    {
        var probe = new ShardedPubSubProbe(redis, "r1", policy);
        await probe.SubscribeAsync();
        probe.StartPublishing();
        Assert.NotNull(await probe.FirstDeliveredSinceAsync(probe.Now, SteadyTimeout));
        return probe;
    }

    /// <summary>
    /// Asserts that deliveries come back after the fault and then miss nothing, and writes how long that took and
    /// what was lost meanwhile (publishes Redis acknowledged that never reached the subscriber).
    /// </summary>
    private async Task ReportRecoveryAsync(ShardedPubSubProbe probe, int round, ResubscribePolicy policy, TimeSpan fault, TimeSpan settled, string detail)
    {
        var first = await probe.FirstDeliveredSinceAsync(fault, RecoveryTimeout);
        output.WriteLine(probe.Timeline(fault));
        Assert.True(first is not null, $"nothing published after the fault was delivered within {RecoveryTimeout.TotalSeconds:0} s");

        await Eventually.EqualAsync(true, () => Task.FromResult(probe.AcknowledgedSince(first.At).Count >= SteadyPublishes), SteadyTimeout);
        var steady = probe.AcknowledgedSince(first.At).Take(SteadyPublishes).ToList();
        await Eventually.EqualAsync(0, () => Task.FromResult(steady.Count(p => !probe.WasDelivered(p.Sequence))), SteadyTimeout);

        var lost = probe.AcknowledgedSince(fault).Where(p => p.At < first.At && !probe.WasDelivered(p.Sequence)).ToList();
        output.WriteLine(
            $"{policy} round {round}: {detail}; first delivered publish made {Ms(first.At - fault)} after the fault, " +
            $"{Ms(first.At - settled)} after the cluster settled, delivered at +{Ms(probe.DeliveredAt(first.Sequence)!.Value - fault)}; " +
            $"{lost.Count} acknowledged publishes never delivered (over {Ms(lost.Count == 0 ? TimeSpan.Zero : lost[^1].At - lost[0].At)}); application helped {probe.Helps} time(s)");
    }

    private static string Ms(TimeSpan span) => $"{span.TotalMilliseconds:0} ms";
}
