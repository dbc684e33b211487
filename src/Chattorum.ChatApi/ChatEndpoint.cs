using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi;

/// <summary><c>GET /ws</c> with a bearer token: checks the request, upgrades it and runs the connection.</summary>
public sealed class ChatEndpoint(
    TokenService tokens,
    OriginPolicy origins,
    ChatServices services,
    ChatConnections connections,
    IHostApplicationLifetime lifetime)
{
    public const string Path = "/ws";

    /// <summary>Browsers cannot set headers on a WebSocket upgrade: they pass the token in the query.</summary>
    public const string TokenQueryParameter = "access_token";

    public async Task HandleAsync(HttpContext context)
    {
        var user = BearerToken(context.Request) is { } token ? await tokens.ValidateAsync(token).ConfigureAwait(false) : null;
        if (!Validation.IsValidUserName(user))
        {
            // The name is the token's, never the client's: no valid token, no connection.
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Refuse(context, StatusCodes.Status401Unauthorized, "a valid bearer token is required").ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "this endpoint takes WebSocket upgrades only").ConfigureAwait(false);
            return;
        }

        if (!origins.IsAllowed(context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "this origin may not open a chat connection").ConfigureAwait(false);
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "the server is shutting down").ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = ChatLimits.KeepAliveInterval,
            KeepAliveTimeout = ChatLimits.KeepAliveTimeout,
        }).ConfigureAwait(false);

        // The handshake is done: the request's headers (the token among them) would otherwise stay in memory for
        // as long as the connection lives.
        context.Request.Headers.Clear();

        using var client = new ChatClient(socket, user, services);
        connections.Add(client);
        try
        {
            await client.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            connections.Remove(client);
        }
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Query[TokenQueryParameter] is { Count: 1 } query && !string.IsNullOrEmpty(query[0]) ? query[0] : null;
    }

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message, context.RequestAborted);
    }
}
