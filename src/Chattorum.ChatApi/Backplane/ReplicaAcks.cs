using System.Globalization;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// How many replicas must hold a message before its sender gets an ack (the <c>Chat:ReplicaAcks</c> setting):
/// <c>auto</c> (the default) waits for one replica when the room's primary has one connected, and acks from the
/// primary alone when it has none (one Redis, or a shard whose replicas are all gone: counted and logged); a
/// number N always waits for N replicas, and refuses the ack (<c>unconfirmed</c>) when fewer confirm in time;
/// <c>0</c> never waits.
/// </summary>
public readonly record struct ReplicaAcks(int Required, bool Auto)
{
    public const string AutoSetting = "auto";

    public static ReplicaAcks Default => new(1, Auto: true);

    public static bool TryParse(string? setting, out ReplicaAcks acks)
    {
        acks = Default;
        if (string.IsNullOrWhiteSpace(setting) || string.Equals(setting.Trim(), AutoSetting, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out var required) && required <= ChatLimits.MaxReplicaAcks)
        {
            acks = new ReplicaAcks(required, Auto: false);
            return true;
        }

        return false;
    }

    /// <summary>How many replicas to wait for on a primary that has <paramref name="connectedReplicas"/> connected.</summary>
    public int RequiredWith(int connectedReplicas) => Auto ? Math.Min(Required, connectedReplicas) : Required;
}
