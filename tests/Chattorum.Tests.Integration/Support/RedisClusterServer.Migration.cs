using System.Globalization;

namespace Chattorum.Tests.Integration.Support;

public sealed partial class RedisClusterServer
{
    /// <summary>Keys per MIGRATE: the default of redis-cli --cluster reshard is 10; a test may ask for 1 to move key by key.</summary>
    public const int DefaultMigrationBatch = 10;

    /// <summary>
    /// Moves one slot to another primary with the cluster's own protocol, as <c>redis-cli --cluster reshard</c>
    /// does: the target IMPORTING, the source MIGRATING, the keys MIGRATEd in batches (between which clients meet
    /// ASK for keys already moved, and the source still serves the others), then SETSLOT NODE on the target, the
    /// source and the other primaries (from then on, MOVED). Redis then sends SUNSUBSCRIBE to the source's
    /// subscribers of sharded channels in that slot. <paramref name="betweenBatches"/> runs after each batch, while
    /// the slot is half moved.
    /// </summary>
    public async Task MigrateSlotAsync(int slot, RedisClusterNode target, int batch = DefaultMigrationBatch, Func<Task>? betweenBatches = null)
    {
        var source = await PrimaryForAsync(slot);
        if (source == target)
        {
            throw new InvalidOperationException($"{target} already serves slot {slot}");
        }

        var slotText = slot.ToString(CultureInfo.InvariantCulture);

        // The target first: once the source answers ASK, the target must accept the redirected commands.
        await target.CommandAsync("CLUSTER", "SETSLOT", slotText, "IMPORTING", source.Id);
        await source.CommandAsync("CLUSTER", "SETSLOT", slotText, "MIGRATING", target.Id);

        using (var client = await RedisNodeClient.ConnectAsync(source.Port))
        {
            while ((object?[])(await client.CommandAsync("CLUSTER", "GETKEYSINSLOT", slotText, batch.ToString(CultureInfo.InvariantCulture)))! is { Length: > 0 } keys)
            {
                await client.CommandAsync(
                [
                    "MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0",
                    MigrateTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture), "KEYS", .. keys.Cast<string>(),
                ]);
                if (betweenBatches is not null)
                {
                    await betweenBatches();
                }
            }
        }

        // The target, then the source (so the source's MOVED never points at a target that does not know yet), then
        // the other primaries, so that no node sends clients back to the source; replicas learn it by gossip.
        var others = (await PrimariesAsync()).Where(node => node != source && node != target);
        foreach (var node in new[] { target, source }.Concat(others))
        {
            await node.CommandAsync("CLUSTER", "SETSLOT", slotText, "NODE", target.Id);
        }

        await WaitUntilAsync(
            async () => await SettledProblemAsync(requireReplicas: true)
                ?? ((await PrimaryForAsync(slot)) == target ? null : $"slot {slot} is not on {target} yet"),
            SettleTimeout,
            $"slot {slot} to move to {target}");
    }
}
