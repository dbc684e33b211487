using Chattorum.ChatApi;
using Chattorum.ChatApi.Connections;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>
/// The per-connection rate limit on a fake clock: within the rate every frame passes; over it frames are refused and
/// answered at most once a second; more than <see cref="ChatLimits.MaxRefusedPerFloodWindow"/> refused within
/// <see cref="ChatLimits.FloodWindow"/> is flooding, whatever the client's speed.
/// </summary>
public sealed class FrameRateLimitTests
{
    // A deployment's Chat:RatePerSecond of 20 with the default burst.
    private const double Rate = 20;
    private const int Burst = ChatLimits.RateBurst;

    private sealed record Run(TimeSpan? FloodingAt, int Accepted, List<TimeSpan> Answered, int Unanswered)
    {
        public int Refused => Answered.Count + Unanswered;
    }

    /// <summary>A client sending evenly at <paramref name="perSecond"/> frames a second, until cut or <paramref name="duration"/> has passed.</summary>
    private static Run Send(double perSecond, TimeSpan duration)
    {
        var time = new FakeTimeProvider();
        var limit = new FrameRateLimit(Burst, Rate, time);
        var interval = TimeSpan.FromTicks((long)Math.Round(TimeSpan.TicksPerSecond / perSecond));
        var accepted = 0;
        var unanswered = 0;
        var answered = new List<TimeSpan>();
        for (var at = TimeSpan.Zero; at < duration; at += interval)
        {
            switch (limit.Check())
            {
                case RateDecision.Flooding:
                    return new Run(at, accepted, answered, unanswered);
                case RateDecision.Accepted:
                    accepted++;
                    break;
                case RateDecision.Refused:
                    answered.Add(at);
                    break;
                case RateDecision.RefusedUnanswered:
                    unanswered++;
                    break;
            }

            time.Advance(interval);
        }

        return new Run(null, accepted, answered, unanswered);
    }

    /// <summary>When a client at this speed makes its refused frames one more than the window allows: (burst + limit + 1) / (speed - rate).</summary>
    private static double ExpectedCutSeconds(double perSecond) => (Burst + ChatLimits.MaxRefusedPerFloodWindow + 1) / (perSecond - Rate);

    [Theory]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(24)] // 4 over the rate: 40 refused in any 10 s, under the 50 that would be flooding
    public void A_client_at_or_near_the_rate_is_never_cut(double perSecond)
    {
        var run = Send(perSecond, TimeSpan.FromSeconds(60));

        Assert.Null(run.FloodingAt);
        if (perSecond <= Rate)
        {
            Assert.Equal(0, run.Refused);
        }
        else
        {
            Assert.InRange(run.Accepted, Burst + (Rate * 60) - 1, Burst + (Rate * 60) + 1);
        }
    }

    [Theory]
    [InlineData(26)] // 6 over the rate: cut once 51 refused fall within 10 s, 11.8 s in
    [InlineData(50)] // 2.4 s
    [InlineData(200)] // 0.4 s
    [InlineData(2_000)] // 0.04 s
    public void A_client_over_the_rate_is_cut_for_flooding_when_its_refusals_pass_the_window_limit(double perSecond)
    {
        var run = Send(perSecond, TimeSpan.FromSeconds(60));

        var expected = ExpectedCutSeconds(perSecond);
        Assert.NotNull(run.FloodingAt);
        Assert.InRange(run.FloodingAt.Value.TotalSeconds, expected * 0.95, expected * 1.05);

        // Every refused frame counted, answered or not: the cut came at the one past the limit.
        Assert.Equal(ChatLimits.MaxRefusedPerFloodWindow, run.Refused);
    }

    [Theory]
    [InlineData(26)]
    [InlineData(50)]
    [InlineData(200)]
    [InlineData(2_000)]
    public void A_client_over_the_rate_is_answered_once_a_second_and_no_more(double perSecond)
    {
        var run = Send(perSecond, TimeSpan.FromSeconds(60));

        Assert.NotEmpty(run.Answered);

        // Refused frames come (perSecond - Rate) a second: the first one a second after an answer is answered.
        var slack = TimeSpan.FromSeconds(2 / (perSecond - Rate));
        var gaps = run.Answered.Zip(run.Answered.Skip(1), (earlier, later) => later - earlier).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, ChatLimits.RateLimitedAnswerInterval, ChatLimits.RateLimitedAnswerInterval + slack));
        Assert.True(run.FloodingAt!.Value - run.Answered[^1] < ChatLimits.RateLimitedAnswerInterval + slack);
        Assert.Equal(ChatLimits.MaxRefusedPerFloodWindow - run.Answered.Count, run.Unanswered);
    }

    [Fact]
    public void A_burst_past_the_limit_that_backs_off_is_refused_once_and_never_cut()
    {
        var time = new FakeTimeProvider();
        var limit = new FrameRateLimit(Burst, Rate, time);
        var burst = Enumerable.Range(0, Burst + 5).Select(_ => limit.Check()).ToList();

        Assert.Equal(Burst, burst.Count(d => d == RateDecision.Accepted));
        Assert.Equal(RateDecision.Refused, burst[Burst]);
        Assert.All(burst.Skip(Burst + 1), d => Assert.Equal(RateDecision.RefusedUnanswered, d));

        // Backing off: a frame every second for a minute is welcome.
        for (var i = 0; i < 60; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(RateDecision.Accepted, limit.Check());
        }
    }

    [Fact]
    public void After_a_quiet_second_a_refused_frame_is_answered_again()
    {
        var time = new FakeTimeProvider();
        var limit = new FrameRateLimit(Burst, Rate, time);
        var first = Enumerable.Range(0, Burst + 10).Select(_ => limit.Check()).ToList();
        Assert.Equal(1, first.Count(d => d == RateDecision.Refused));

        time.Advance(ChatLimits.RateLimitedAnswerInterval - TimeSpan.FromMilliseconds(1));
        var early = Enumerable.Range(0, Burst + 1).Select(_ => limit.Check()).ToList();
        Assert.Equal(RateDecision.RefusedUnanswered, early[^1]);

        time.Advance(ChatLimits.RateLimitedAnswerInterval);
        var later = Enumerable.Range(0, Burst + 1).Select(_ => limit.Check()).ToList();
        Assert.Equal(Enumerable.Repeat(RateDecision.Accepted, Burst).Append(RateDecision.Refused), later);
    }

    [Theory]
    [InlineData(9_900, RateDecision.Flooding)] // the first of the 50 refusals is still in the window: 51
    [InlineData(10_000, RateDecision.Refused)] // it has just left the window: 50
    public void The_window_slides(int laterMilliseconds, RateDecision expected)
    {
        var time = new FakeTimeProvider();
        var limit = new FrameRateLimit(Burst, Rate, time);
        var first = Enumerable.Range(0, Burst + ChatLimits.MaxRefusedPerFloodWindow).Select(_ => limit.Check()).ToList();
        Assert.Equal(ChatLimits.MaxRefusedPerFloodWindow, first.Count(d => d is RateDecision.Refused or RateDecision.RefusedUnanswered));
        Assert.DoesNotContain(RateDecision.Flooding, first);

        // The bucket is full again; its burst passes, and the frame after it is refused once more.
        time.Advance(TimeSpan.FromMilliseconds(laterMilliseconds));
        var later = Enumerable.Range(0, Burst + 1).Select(_ => limit.Check()).ToList();
        Assert.All(later.Take(Burst), d => Assert.Equal(RateDecision.Accepted, d));
        Assert.Equal(expected, later[^1]);
    }

    [Fact]
    public void The_protocol_documents_the_rule_the_server_enforces()
    {
        var protocol = Repository.ReadProse("docs", "protocol.md");
        Assert.Contains($"more than **{ChatLimits.MaxRefusedPerFloodWindow} frames refused within {ChatLimits.FloodWindow.TotalSeconds:0} seconds**", protocol, StringComparison.Ordinal);
        Assert.Contains($"`flooding` (more than {ChatLimits.MaxRefusedPerFloodWindow} frames refused by the rate limit within {ChatLimits.FloodWindow.TotalSeconds:0} s", protocol, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), ChatLimits.RateLimitedAnswerInterval);
        Assert.Contains("**at most once a second**", protocol, StringComparison.Ordinal);
    }
}
