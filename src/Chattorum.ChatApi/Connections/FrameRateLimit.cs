namespace Chattorum.ChatApi.Connections;

/// <summary>What the rate limit makes of one client frame.</summary>
public enum RateDecision
{
    /// <summary>Within the rate: handle it.</summary>
    Accepted,

    /// <summary>Over the rate: refuse it with <c>rate_limited</c>.</summary>
    Refused,

    /// <summary>Over the rate, and the connection was answered <c>rate_limited</c> less than a second ago: drop it without an answer.</summary>
    RefusedUnanswered,

    /// <summary>More than <see cref="ChatLimits.MaxRefusedPerFloodWindow"/> refused within <see cref="ChatLimits.FloodWindow"/>: close the connection.</summary>
    Flooding,
}

/// <summary>
/// One connection's frame rate limit: a token bucket (<c>Chat:RateBurst</c> at once, refilled at
/// <c>Chat:RatePerSecond</c>), a window of the connection's last refused frames, which tells a flood from a burst
/// (<see cref="ChatLimits.MaxRefusedPerFloodWindow"/> in <see cref="ChatLimits.FloodWindow"/>), and when it was last
/// answered (<see cref="ChatLimits.RateLimitedAnswerInterval"/>). A frame within the rate costs only the bucket; the
/// window is allocated at the connection's first refused frame. Owned by the reader loop; not thread-safe.
/// </summary>
public sealed class FrameRateLimit(int burst, double perSecond, TimeProvider time)
{
    private readonly TokenBucket _bucket = new(burst, perSecond, time);

    // When the last MaxRefusedPerFloodWindow refused frames came, oldest at _next once the ring is full.
    private long[]? _refused;
    private int _next;
    private bool _full;
    private long? _lastAnswered;

    public RateDecision Check()
    {
        if (_bucket.TryTake())
        {
            return RateDecision.Accepted;
        }

        var now = time.GetTimestamp();
        var refused = _refused ??= new long[ChatLimits.MaxRefusedPerFloodWindow];

        // This one would be the window's MaxRefusedPerFloodWindow + 1st.
        if (_full && time.GetElapsedTime(refused[_next], now) < ChatLimits.FloodWindow)
        {
            return RateDecision.Flooding;
        }

        refused[_next] = now;
        _next = (_next + 1) % refused.Length;
        _full |= _next == 0;
        if (_lastAnswered is { } answered && time.GetElapsedTime(answered, now) < ChatLimits.RateLimitedAnswerInterval)
        {
            return RateDecision.RefusedUnanswered;
        }

        _lastAnswered = now;
        return RateDecision.Refused;
    }
}
