using System.Globalization;
using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Chattorum.ChatApi.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Chattorum.ChatApi.Accounts;

/// <summary><c>POST /api/auth/register</c> and <c>POST /api/auth/login</c>.</summary>
public static class AuthEndpoints
{
    /// <summary>
    /// The largest body these endpoints read. Credentials take well under a kilobyte (a name of 24 characters and a
    /// password of 128, even with every character escaped as <c>\uXXXX</c>); a longer body is answered 413 unread.
    /// </summary>
    public const int MaxBodyBytes = 4096;

    public sealed record Credentials(string? Username, string? Password);

    public sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt, string User);

    public sealed record AuthError(string Error, string Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null);

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var origins = routes.ServiceProvider.GetRequiredService<OriginPolicy>();
        var auth = routes.MapGroup("/api/auth").RequireCors(policy => AuthCors.Configure(policy, origins));
        auth.WithTags("Accounts");

        // The handlers read the body themselves (to answer every malformed one with a JSON error): the contract is
        // declared here, for the OpenAPI document (docs/openapi.json). Not with Accepts<T>(): routing would then
        // answer another content type with 415 before the handler could give its JSON 400.
        auth.MapPost("/register", RegisterAsync).AddEndpointFilter(StoreUnavailable)
            .WithName("Register")
            .WithSummary("Creates an account and returns a token for it")
            .AddOpenApiOperationTransformer(CredentialsBody)
            .Produces<TokenResponse>(StatusCodes.Status201Created)
            .Produces<AuthError>(StatusCodes.Status400BadRequest)
            .Produces<AuthError>(StatusCodes.Status409Conflict)
            .Produces<AuthError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<AuthError>(StatusCodes.Status503ServiceUnavailable);
        auth.MapPost("/login", LoginAsync).AddEndpointFilter(StoreUnavailable)
            .WithName("Login")
            .WithSummary("Checks a name and password and returns a token")
            .AddOpenApiOperationTransformer(CredentialsBody)
            .Produces<TokenResponse>(StatusCodes.Status200OK)
            .Produces<AuthError>(StatusCodes.Status400BadRequest)
            .Produces<AuthError>(StatusCodes.Status401Unauthorized)
            .Produces<AuthError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<AuthError>(StatusCodes.Status429TooManyRequests)
            .Produces<AuthError>(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    /// <summary>The request body both endpoints read: <see cref="Credentials"/> as JSON.</summary>
    private static async Task CredentialsBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(Credentials), cancellationToken: cancellationToken).ConfigureAwait(false);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
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

    private static async Task<IResult> RegisterAsync(HttpContext context, AccountStore accounts, TokenService tokens)
    {
        var (credentials, problem) = await ReadCredentialsAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (AccountRules.CheckUserName(credentials!.Username) is { } nameProblem)
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

    private static async Task<IResult> LoginAsync(HttpContext context, AccountStore accounts, TokenService tokens, LoginRateLimiter limiter)
    {
        var (credentials, problem) = await ReadCredentialsAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var (name, password) = (credentials!.Username, credentials.Password);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password) || password.Length > AccountRules.MaxPasswordLength)
        {
            return Results.BadRequest(new AuthError("bad_request", "give a username and a password"));
        }

        // No account has a name outside the rules: nothing to look up, hash or count (and so every login key in
        // Redis is made of a valid name).
        if (!Validation.IsValidUserName(name))
        {
            return InvalidCredentials();
        }

        var address = LoginRateLimiter.AddressOf(context.Connection.RemoteIpAddress);
        if (await limiter.TryBeginAsync(name, address).ConfigureAwait(false) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Results.Json(new AuthError("rate_limited", "too many failed logins; try again later"), statusCode: StatusCodes.Status429TooManyRequests);
        }

        var user = await accounts.VerifyAsync(name, password).ConfigureAwait(false);
        if (user is null)
        {
            return InvalidCredentials();
        }

        await limiter.SucceededAsync(name, address).ConfigureAwait(false);
        var (token, expires) = tokens.Issue(user.Name);
        return Results.Ok(new TokenResponse(token, expires, user.Name));
    }

    private static IResult InvalidCredentials() =>
        Results.Json(new AuthError("invalid_credentials", "wrong user name or password"), statusCode: StatusCodes.Status401Unauthorized);

    private static IResult BadBody(string message) => Results.BadRequest(new AuthError("bad_request", message));

    /// <summary>
    /// Reads the body as credentials, at most <see cref="MaxBodyBytes"/> of it, or says what is wrong with it (a JSON
    /// 400, or 413) — here rather than by parameter binding, which reads any body whole and, in Development, answers
    /// a malformed one with the developer exception page.
    /// </summary>
    private static async Task<(Credentials? Credentials, IResult? Problem)> ReadCredentialsAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, BadBody("send the credentials as a JSON object with Content-Type: application/json"));
        }

        // Kestrel enforces the cap too, as it reads (for a chunked body, or if it drains the rest of this one).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge(context));
        }

        byte[] body;
        var reader = request.BodyReader;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (read.Buffer.Length > MaxBodyBytes)
                {
                    reader.AdvanceTo(read.Buffer.Start);
                    return (null, TooLarge(context));
                }

                if (read.IsCompleted)
                {
                    body = read.Buffer.ToArray();
                    reader.AdvanceTo(read.Buffer.End);
                    break;
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(context));
        }
        catch (BadHttpRequestException exception)
        {
            // Malformed chunks, a body sent too slowly: Kestrel closes the connection after this answer.
            return (null, Results.Json(new AuthError("bad_request", "the request body could not be read"), statusCode: exception.StatusCode));
        }

        try
        {
            return JsonSerializer.Deserialize<Credentials>(body, JsonSerializerOptions.Web) is { } credentials
                ? (credentials, null)
                : (null, BadBody("the body must be a JSON object: {\"username\":\"...\",\"password\":\"...\"}"));
        }
        catch (JsonException)
        {
            return (null, BadBody("the body must be a JSON object: {\"username\":\"...\",\"password\":\"...\"}, with both as strings"));
        }
    }

    /// <summary>
    /// 413, and the connection closes after it: Kestrel would otherwise read the rest of the body, which is the
    /// very thing not to do.
    /// </summary>
    private static IResult TooLarge(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return Results.Json(new AuthError("too_large", $"the body is over {MaxBodyBytes} bytes"), statusCode: StatusCodes.Status413PayloadTooLarge);
    }
}
