using System.Collections.Concurrent;

namespace Chattorum.StockBot.Quotes;

/// <summary>
/// Which providers rate-limited us (HTTP 429) and until when. While a provider's limit is in force it is not asked
/// at all: a request that only it could answer waits in the delay queue behind the ones already waiting, so a later
/// request cannot overtake them. In memory, per bot process (a restarted bot learns the limit again from the next 429).
/// </summary>
public sealed class ProviderLimits(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records a 429 that asks us to wait <paramref name="wait"/>; returns when the limit clears.</summary>
    public DateTimeOffset Limit(string provider, TimeSpan wait)
    {
        var until = time.GetUtcNow() + wait;

        // Keep the later of two limits: concurrent answers may arrive out of order, and waiting too little just costs one more 429.
        return _until.AddOrUpdate(provider, until, (_, known) => known > until ? known : until);
    }

    /// <summary>True (with the time it clears) while <paramref name="provider"/> is rate-limited.</summary>
    public bool IsLimited(string provider, out DateTimeOffset until) =>
        _until.TryGetValue(provider, out until) && until > time.GetUtcNow();
}
