using Chattorum.StockBot.Quotes;

namespace Chattorum.StockBot.RateLimits;

/// <summary>What to do with a request the providers cannot answer yet: wait (how long, with or without a notice), or give up.</summary>
/// <param name="Delay">The time to sit in the delay queue (the message's per-message TTL); zero when giving up.</param>
/// <param name="Next">The request's wait state after this wait.</param>
/// <param name="SendNotice">Tell the room, now, that the answer comes in about <see cref="Delay"/>.</param>
/// <param name="Waited">With <see cref="GiveUp"/>: how long the request waited in all.</param>
public sealed record WaitDecision(bool GiveUp, TimeSpan Delay, WaitState Next, bool SendNotice, TimeSpan Waited);

/// <summary>The rules of waiting for a rate limit, as pure functions of the clock (tested with a fake one).</summary>
public static class WaitRules
{
    /// <summary>
    /// A request that must wait until <paramref name="until"/>: it waits at least <see cref="QuoteRateLimitOptions.MinimumWait"/>
    /// and never beyond <see cref="QuoteRateLimitOptions.MaxWait"/> after the bot first saw it (the last try is made
    /// then); once that is spent, it gives up. The room gets one notice, the first time a wait exceeds
    /// <see cref="QuoteRateLimitOptions.NoticeAfter"/>.
    /// </summary>
    /// <param name="state">The request's wait state; null when it never waited.</param>
    public static WaitDecision Decide(DateTimeOffset now, DateTimeOffset until, WaitState? state, QuoteRateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var firstSeen = state?.FirstSeen ?? now;
        var waited = now - firstSeen;
        var left = options.MaxWait - waited;
        if (left <= TimeSpan.Zero)
        {
            return new WaitDecision(GiveUp: true, TimeSpan.Zero, state ?? new WaitState(0, firstSeen, false), SendNotice: false, waited);
        }

        var wanted = until - now;
        var delay = wanted < options.MinimumWait ? options.MinimumWait : wanted;
        if (delay > left)
        {
            delay = left;
        }

        var noticeSent = state?.NoticeSent ?? false;
        var notice = !noticeSent && delay > options.NoticeAfter;
        return new WaitDecision(GiveUp: false, delay, new WaitState((state?.Waits ?? 0) + 1, firstSeen, noticeSent || notice), notice, waited);
    }

    /// <summary>The AMQP <c>expiration</c> of a delay: whole milliseconds, rounded up, at least 1.</summary>
    public static string Expiration(TimeSpan delay) =>
        Math.Max(1, (long)Math.Ceiling(delay.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
