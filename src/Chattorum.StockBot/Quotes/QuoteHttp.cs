using System.Buffers;
using System.Text;

namespace Chattorum.StockBot.Quotes;

/// <summary>A response body as text, or why there is none to parse.</summary>
internal readonly record struct FetchedBody(string? Text, QuoteResult? Failure);

/// <summary>One GET whose body is read with a size cap; status codes are sorted into transient and not.</summary>
internal static class QuoteHttp
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<FetchedBody> GetTextAsync(HttpClient client, Uri uri, string accept, int maxBytes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
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

    /// <summary>408, 429 and 5xx are worth another try; other statuses are answers that will not change.</summary>
    public static bool IsTransientStatus(int status) => status is 408 or 429 or >= 500;

    private static QuoteResult TooLarge(int maxBytes) => QuoteResult.Fail($"response larger than {maxBytes} bytes");
}
