using Chattorum.StockBot.RateLimits;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.StockBot.RateLimits;

/// <summary>The ordering rule: a new request of a room with requests in the delay queue goes behind them.</summary>
public class RoomWaitsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 15, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_room_waits_while_its_deferred_requests_are_out_and_not_after_they_are_back()
    {
        var rooms = new RoomWaits(_time);
        Assert.False(rooms.IsWaiting("r1", out _));

        rooms.Deferred("r1", _time.GetUtcNow().AddSeconds(20));
        rooms.Deferred("r1", _time.GetUtcNow().AddSeconds(5)); // an earlier due time does not move the room's forward
        Assert.True(rooms.IsWaiting("r1", out var dueBack));
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), dueBack);
        Assert.False(rooms.IsWaiting("r2", out _));

        rooms.Returned("r1");
        Assert.True(rooms.IsWaiting("r1", out _));
        rooms.Returned("r1");
        Assert.False(rooms.IsWaiting("r1", out _));

        rooms.Returned("r1"); // a redelivered return does not go below zero
        rooms.Deferred("r1", _time.GetUtcNow().AddSeconds(1));
        Assert.True(rooms.IsWaiting("r1", out _));
    }

    [Fact]
    public void A_room_whose_request_never_comes_back_here_stops_waiting_after_the_grace()
    {
        var rooms = new RoomWaits(_time);
        rooms.Deferred("r1", _time.GetUtcNow().AddSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(20) + RoomWaits.ReturnGrace - TimeSpan.FromMilliseconds(1));
        Assert.True(rooms.IsWaiting("r1", out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(rooms.IsWaiting("r1", out _));
    }
}
