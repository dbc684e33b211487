using System.Globalization;
using System.Text.Json.Serialization;

namespace Chattorum.ChatApi.Accounts;

/// <summary><c>POST /api/auth/register</c> and <c>POST /api/auth/login</c>.</summary>
public static class AuthEndpoints
{
    public sealed record Credentials(string? Username, string? Password);

    public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt, string User);

    public sealed record AuthError(string Error, string Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/api/auth");
        auth.MapPost("/register", RegisterAsync).AddEndpointFilter(StoreUnavailable);
        auth.MapPost("/login", LoginAsync).AddEndpointFilter(StoreUnavailable);
        return routes;
    }

    /// <summary>Redis away: a clear 503 the client can retry, not a 500.</summary>
    private static async ValueTask<object?> StoreUnavailable(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return Results.Json(new AuthError("unavailable", "the account store is unreachable; try again shortly"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> RegisterAsync(Credentials credentials, AccountStore accounts, TokenService tokens)
    {
        if (AccountRules.CheckUserName(credentials.Username) is { } nameProblem)
        {
            return Results.BadRequest(new AuthError("bad_username", nameProblem, "username"));
        }

        if (AccountRules.CheckPassword(credentials.Password) is { } passwordProblem)
        {
            return Results.BadRequest(new AuthError("bad_password", passwordProblem, "password"));
        }

        if (await accounts.RegisterAsync(credentials.Username!, credentials.Password!).ConfigureAwait(false) == RegistrationResult.NameTaken)
        {
            return Results.Conflict(new AuthError("username_taken", "this user name is taken", "username"));
        }

        var (token, expires) = tokens.Issue(credentials.Username!);
        return Results.Json(new TokenResponse(token, expires, credentials.Username!), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoginAsync(Credentials credentials, HttpContext context, AccountStore accounts, TokenService tokens, LoginRateLimiter limiter)
    {
        if (string.IsNullOrEmpty(credentials.Username) || string.IsNullOrEmpty(credentials.Password) ||
            credentials.Username.Length > 64 || credentials.Password.Length > AccountRules.MaxPasswordLength)
        {
            return Results.BadRequest(new AuthError("bad_request", "give a username and a password"));
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (await limiter.TryAttemptAsync(credentials.Username, address).ConfigureAwait(false) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Results.Json(new AuthError("rate_limited", "too many login attempts; try again later"), statusCode: StatusCodes.Status429TooManyRequests);
        }

        var user = await accounts.VerifyAsync(credentials.Username, credentials.Password).ConfigureAwait(false);
        if (user is null)
        {
            return Results.Json(new AuthError("invalid_credentials", "wrong user name or password"), statusCode: StatusCodes.Status401Unauthorized);
        }

        var (token, expires) = tokens.Issue(user.Name);
        return Results.Ok(new TokenResponse(token, expires, user.Name));
    }
}
