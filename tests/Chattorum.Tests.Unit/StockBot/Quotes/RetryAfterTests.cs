using System.Net;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Time.Testing;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary><c>Retry-After</c> per RFC 9110 §10.2.3: delta-seconds or an HTTP-date (three forms, §5.6.7); garbage is null.</summary>
public class RetryAfterTests
{
    /// <summary>Sun, 06 Nov 1994 08:49:00 GMT: the dates below are this plus the expected wait.</summary>
    private static readonly DateTimeOffset Now = new(1994, 11, 6, 8, 49, 0, TimeSpan.Zero);

    public static TheoryData<string?, double?> Cases => new()
    {
        // delta-seconds
        { "120", 120 },
        { "0", 0 },
        { "  7 ", 7 },
        { "007", 7 },
        { "86400", 86400 },
        { "86401", 86400 },
        { "99999999999999999999", 86400 },

        // HTTP-date: IMF-fixdate, obsolete RFC 850, asctime (one-digit day padded with a space)
        { "Sun, 06 Nov 1994 08:49:37 GMT", 37 },
        { "Sunday, 06-Nov-94 08:49:37 GMT", 37 },
        { "Sun Nov  6 08:49:37 1994", 37 },
        { "Sun, 06 Nov 1994 08:50:00 GMT", 60 },

        // a date in the past means now
        { "Sun, 06 Nov 1994 08:00:00 GMT", 0 },

        // garbage: the caller's default applies
        { null, null },
        { "", null },
        { "   ", null },
        { "-5", null },
        { "+5", null },
        { "1.5", null },
        { "5 s", null },
        { "12abc", null },
        { "soon", null },
        { "Sun, 06 Nov 1994 08:49:37 PST", null },
        { "06 Nov 1994 08:49:37", null },
        { "Sun, 31 Nov 1994 08:49:37 GMT", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parses_delta_seconds_and_http_dates_and_rejects_garbage(string? header, double? seconds)
    {
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, RetryAfter.Parse(header, Now));
    }

    [Theory]
    [InlineData("30", 30.0)]
    [InlineData("Sun, 06 Nov 1994 08:49:45 GMT", 45.0)]
    [InlineData(null, null)]
    [InlineData("later", null)]
    public async Task A_429_is_rate_limited_with_its_retry_after_never_a_failure(string? header, double? seconds)
    {
        var time = new FakeTimeProvider(Now);
        using var client = new HttpClient(new StubHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("slow down") };
            if (header is not null)
            {
                response.Headers.TryAddWithoutValidation("Retry-After", header);
            }

            return response;
        }));

        var body = await QuoteHttp.GetTextAsync(client, new Uri("http://quotes.test/q"), "text/csv", 1024, CancellationToken.None, time);

        Assert.Null(body.Text);
        Assert.Equal(QuoteStatus.RateLimited, body.Failure!.Status);
        Assert.False(body.Failure.IsTransient);
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, body.Failure.RetryAfter);
    }
}
