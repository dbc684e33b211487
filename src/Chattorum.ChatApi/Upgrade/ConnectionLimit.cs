namespace Chattorum.ChatApi.Upgrade;

/// <summary>
/// The node's limit on open chat connections (<c>Chat:MaxConnections</c>), the same on both upgrade paths: a slot
/// is taken when an upgrade is admitted, before its 101, and given back when its connection ends. Kestrel's own
/// limit on upgraded connections (<c>MaxConcurrentUpgradedConnections</c>) would count only the HTTP path.
/// </summary>
public sealed class ConnectionLimit(ChatOptions options)
{
    private int _taken;

    public int Max => options.MaxConnections;

    /// <summary>Slots taken: connections admitted and not yet ended.</summary>
    public int Taken => Volatile.Read(ref _taken);

    /// <summary>Takes a slot; false when every slot is taken.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _taken) <= Max)
        {
            return true;
        }

        Interlocked.Decrement(ref _taken);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _taken);
}
