using System.Buffers;
using System.Text;

namespace Chattorum.StockBot.Quotes;

/// <summary>A response body as text, or why there is none to parse.</summary>
internal readonly record struct FetchedBody(string? Text, QuoteResult? Failure);

/// <summary>One GET whose body is read with a size cap; status codes are sorted into transient and not.</summary>
internal static class QuoteHttp
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="time">The clock an HTTP-date <c>Retry-After</c> is measured against (the system clock when null).</param>
    public static async Task<FetchedBody> GetTextAsync(
        HttpClient client, Uri uri, string accept, int maxBytes, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status == TooManyRequests)
        {
            // Read raw: the typed header drops a value it cannot parse, and garbage must mean "the default wait".
            var retryAfter = response.Headers.NonValidated.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null;
            return new(null, QuoteResult.RateLimited(RetryAfter.Parse(retryAfter, (time ?? TimeProvider.System).GetUtcNow())));
        }

        if (status is < 200 or > 299)
        {
            return new(null, QuoteResult.Fail($"HTTP {status}", IsTransientStatus(status)));
        }

        if (response.Content.Headers.ContentLength is long length && length > maxBytes)
        {
            return new(null, TooLarge(maxBytes));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var total = 0;
                while (total <= maxBytes)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(total, maxBytes + 1 - total), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                if (total > maxBytes)
                {
                    return new(null, TooLarge(maxBytes));
                }

                try
                {
                    return new(StrictUtf8.GetString(buffer, 0, total), null);
                }
                catch (DecoderFallbackException)
                {
                    return new(null, QuoteResult.Fail("response is not UTF-8 text"));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private const int TooManyRequests = 429;

    /// <summary>
    /// 408 and 5xx are worth another try; other statuses are answers that will not change. 429 never gets here as a
    /// failure: it is <see cref="QuoteStatus.RateLimited"/>, and waits for the limit to clear instead of retrying.
    /// </summary>
    public static bool IsTransientStatus(int status) => status is 408 or >= 500;

    private static QuoteResult TooLarge(int maxBytes) => QuoteResult.Fail($"response larger than {maxBytes} bytes");
}
