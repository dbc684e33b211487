using System.Text;
using Chattorum.StockBot.RateLimits;
using RabbitMQ.Client;

namespace Chattorum.Tests.Unit.StockBot.RateLimits;

/// <summary>The wait state travels in AMQP headers; what comes back may be long, int or bytes.</summary>
public class WaitStateTests
{
    [Fact]
    public void Round_trips_through_headers()
    {
        var state = new WaitState(3, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123), NoticeSent: true);
        var properties = new BasicProperties { Headers = new Dictionary<string, object?>() };
        state.Write(properties.Headers);
        Assert.Equal(state, WaitState.Read(properties));
    }

    public static TheoryData<object?, object?, object?, bool> Headers => new()
    {
        { 2L, 1_795_000_000_000L, 0L, true },
        { 2, 1_795_000_000_000L, 1, true },
        { Encoding.UTF8.GetBytes("2"), Encoding.UTF8.GetBytes("1795000000000"), null, true },
        { null, 1_795_000_000_000L, 0L, false }, // never waited
        { 0L, 1_795_000_000_000L, 0L, false },
        { -1L, 1_795_000_000_000L, 0L, false },
        { 2L, null, 0L, false },
        { 2L, -5L, 0L, false },
        { "two", 1_795_000_000_000L, 0L, false },
        { Encoding.UTF8.GetBytes("-2"), 1_795_000_000_000L, 0L, false },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Reads_what_RabbitMQ_hands_back_and_ignores_the_rest(object? waits, object? firstSeen, object? notice, bool readable)
    {
        var headers = new Dictionary<string, object?>();
        if (waits is not null)
        {
            headers[WaitState.WaitsHeader] = waits;
        }

        if (firstSeen is not null)
        {
            headers[WaitState.FirstSeenHeader] = firstSeen;
        }

        if (notice is not null)
        {
            headers[WaitState.NoticeSentHeader] = notice;
        }

        var state = WaitState.Read(new BasicProperties { Headers = headers });
        Assert.Equal(readable, state is not null);
        if (state is not null)
        {
            Assert.Equal((2, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000)), (state.Waits, state.FirstSeen));
            Assert.Equal(notice is 1 or 1L, state.NoticeSent);
        }
    }
}
