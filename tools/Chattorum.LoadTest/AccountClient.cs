using System.Net;
using System.Net.Http.Json;

namespace Chattorum.LoadTest;

/// <summary>Signs the run's users up over HTTP (or logs them in when the name is taken) and returns their tokens.</summary>
internal sealed class AccountClient(HttpClient http, Uri node)
{
    public const string Password = "load-test-password";
    private const int MaxAttempts = 5;

    public async Task<string[]> TokensAsync(IReadOnlyList<string> users, int concurrency, CancellationToken cancellationToken)
    {
        var tokens = new string[users.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, users.Count, parallel, async (i, token) => tokens[i] = await TokenAsync(users[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        return tokens;
    }

    private async Task<string> TokenAsync(string user, CancellationToken cancellationToken)
    {
        var path = "/api/auth/register";
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync(new Uri(node, path), new Credentials(user, Password), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict && path.EndsWith("/register", StringComparison.Ordinal))
            {
                path = "/api/auth/login";
                continue;
            }

            if ((response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) && attempt < MaxAttempts)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new HttpRequestException($"POST {new Uri(node, path)} for {user}: {(int)response.StatusCode} {body}", null, response.StatusCode);
            }

            var answer = await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken).ConfigureAwait(false);
            return answer?.Token ?? throw new HttpRequestException($"POST {new Uri(node, path)} for {user}: no token in the answer");
        }
    }

    private sealed record Credentials(string Username, string Password);

    private sealed record TokenAnswer(string Token);
}
