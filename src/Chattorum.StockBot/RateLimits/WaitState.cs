using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Chattorum.StockBot.RateLimits;

/// <summary>
/// How long a request has waited for a rate limit, carried in its own AMQP headers through the delay queue, so that it
/// survives bot restarts and any replica can pick it up: how many times it waited, when the bot first saw it, and
/// whether the room was told it waits.
/// </summary>
public sealed record WaitState(int Waits, DateTimeOffset FirstSeen, bool NoticeSent)
{
    public const string WaitsHeader = "chattorum-waits";
    public const string FirstSeenHeader = "chattorum-first-seen";
    public const string NoticeSentHeader = "chattorum-notice-sent";

    /// <summary>The state of a request back from the delay queue; null for one that never waited (or unreadable headers).</summary>
    public static WaitState? Read(IReadOnlyBasicProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.Headers is not { } headers
            || !TryLong(headers, WaitsHeader, out var waits) || waits is < 1 or > int.MaxValue
            || !TryLong(headers, FirstSeenHeader, out var firstSeen) || firstSeen is < 0 or > 253402300799999)
        {
            return null;
        }

        return new WaitState((int)waits, DateTimeOffset.FromUnixTimeMilliseconds(firstSeen), TryLong(headers, NoticeSentHeader, out var notice) && notice == 1);
    }

    /// <summary>Writes this state into a message's headers (numbers as AMQP long integers).</summary>
    public void Write(IDictionary<string, object?> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers[WaitsHeader] = (long)Waits;
        headers[FirstSeenHeader] = FirstSeen.ToUnixTimeMilliseconds();
        headers[NoticeSentHeader] = NoticeSent ? 1L : 0L;
    }

    /// <summary>RabbitMQ.Client hands back integers as int or long, and strings as bytes.</summary>
    private static bool TryLong(IDictionary<string, object?> headers, string name, out long value)
    {
        value = 0;
        if (!headers.TryGetValue(name, out var raw))
        {
            return false;
        }

        switch (raw)
        {
            case long l:
                value = l;
                return true;
            case int i:
                value = i;
                return true;
            case byte[] bytes:
                return long.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.None, CultureInfo.InvariantCulture, out value);
            default:
                return false;
        }
    }
}
