using Chattorum.StockBot.Quotes;
using Chattorum.StockBot.RateLimits;

namespace Chattorum.Tests.Unit.StockBot.RateLimits;

/// <summary>How long a rate-limited request waits, when the room is told, and when the bot gives up.</summary>
public class WaitRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 15, 0, 0, TimeSpan.Zero);

    private static readonly QuoteRateLimitOptions Options = new()
    {
        DefaultRetryAfter = TimeSpan.FromSeconds(20),
        MaxWait = TimeSpan.FromMinutes(5),
        NoticeAfter = TimeSpan.FromSeconds(5),
        MinimumWait = TimeSpan.FromSeconds(1),
    };

    /// <summary>waited before (s; null = never waited), notice sent before, limit clears in (s) -> delay (s), notice now, waits after; delay null = gives up.</summary>
    public static TheoryData<double?, bool, double, double?, bool, int> Cases => new()
    {
        { null, false, 20, 20, true, 1 }, // first wait, long: one notice
        { null, false, 5, 5, false, 1 }, // exactly the notice threshold: no notice
        { null, false, 5.001, 5.001, true, 1 },
        { null, false, 3, 3, false, 1 },
        { null, false, 0.2, 1, false, 1 }, // never shorter than the minimum wait
        { null, false, -10, 1, false, 1 }, // a limit already over: the minimum wait (in order behind the others)
        { 20, true, 20, 20, false, 2 }, // waited before with a notice: no second notice
        { 3, false, 20, 20, true, 2 }, // first short wait had no notice; this long one gets it
        { 290, true, 60, 10, false, 7 }, // the wait ends at MaxWait: the last try is made then
        { 299.5, true, 20, 0.5, false, 7 }, // less than the minimum left: the rest, not more
        { 300, true, 20, null, false, 6 }, // MaxWait spent: give up
        { 400, false, 20, null, false, 6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decides_the_wait(double? waitedBefore, bool noticeSentBefore, double clearsIn, double? delay, bool notice, int waitsAfter)
    {
        var state = waitedBefore is { } w ? new WaitState(waitsAfter - (delay is null ? 0 : 1), Now - TimeSpan.FromSeconds(w), noticeSentBefore) : null;

        var decision = WaitRules.Decide(Now, Now + TimeSpan.FromSeconds(clearsIn), state, Options);

        Assert.Equal(delay is null, decision.GiveUp);
        Assert.Equal(delay is { } d ? TimeSpan.FromSeconds(d) : TimeSpan.Zero, decision.Delay);
        Assert.Equal(notice, decision.SendNotice);
        Assert.Equal(waitsAfter, decision.Next.Waits);
        Assert.Equal(state?.FirstSeen ?? Now, decision.Next.FirstSeen);
        Assert.Equal(noticeSentBefore || notice, decision.Next.NoticeSent);
        Assert.Equal(TimeSpan.FromSeconds(waitedBefore ?? 0), decision.Waited);
    }

    [Theory]
    [InlineData(20_000, "20000")]
    [InlineData(0.4, "1")]
    [InlineData(0, "1")]
    [InlineData(1500.2, "1501")]
    public void The_expiration_is_whole_milliseconds_rounded_up(double milliseconds, string expiration) =>
        Assert.Equal(expiration, WaitRules.Expiration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("aapl", 20, "AAPL: the quote service is rate-limiting us, answer in about 20 s")]
    [InlineData("AAPL.US", 19.2, "AAPL: the quote service is rate-limiting us, answer in about 20 s")]
    [InlineData("vod.uk", 6, "VOD.UK: the quote service is rate-limiting us, answer in about 6 s")]
    [InlineData("$$$", 7, "/stock: the quote service is rate-limiting us, answer in about 7 s")]
    public void The_notice_names_the_symbol_and_the_wait_in_whole_seconds_rounded_up(string argument, double seconds, string notice) =>
        Assert.Equal(notice, QuoteReplies.RateLimitNotice(argument, TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Giving_up_says_so_and_for_how_long() =>
        Assert.Equal(
            "AAPL: the quote service kept rate-limiting us for 300 s, so I gave up; try again later",
            QuoteReplies.GaveUp("aapl", TimeSpan.FromMinutes(5)));
}
