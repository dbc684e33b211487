namespace Chattorum.LoadTest;

/// <summary>The run's users and their tokens: made with the nodes' signing key when the run has it, else signed up.</summary>
internal static class UserTokens
{
    private const int SignUpConcurrency = 8;

    /// <summary>Token i is user i's (<see cref="LoadRunner.UserName"/>).</summary>
    public static Task<string[]> GetAsync(LoadOptions options, string runId, CancellationToken cancellationToken) =>
        GetAsync(options, [.. Enumerable.Range(0, options.UserCount).Select(u => LoadRunner.UserName(runId, u))], cancellationToken);

    /// <summary>Token i is <paramref name="users"/>[i]'s.</summary>
    public static async Task<string[]> GetAsync(LoadOptions options, string[] users, CancellationToken cancellationToken)
    {
        if (options.SigningKey is { } key)
        {
            return new TokenMinter(key).Mint(users);
        }

        using var http = new HttpClient();
        return await new AccountClient(http, options.Urls[0]).TokensAsync(users, SignUpConcurrency, cancellationToken).ConfigureAwait(false);
    }
}
