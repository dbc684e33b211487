using Chattorum.ChatApi.Accounts;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi;

/// <summary><c>GET /ws</c> with a bearer token: checks the request, upgrades it and runs the connection.</summary>
public static class ChatEndpoint
{
    public const string Path = "/ws";

    public static async Task HandleAsync(
        HttpContext context,
        OriginPolicy origins,
        ChatServices services,
        ChatConnections connections,
        IHostApplicationLifetime lifetime)
    {
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

        // Authorization already refused requests without a valid token; the name is the token's, never the client's.
        var name = context.User.FindFirst(TokenService.UserClaim)?.Value;
        if (!Validation.IsValidUserName(name))
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "the token names no valid user").ConfigureAwait(false);
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

        using var client = new ChatClient(socket, name, services);
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

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message, context.RequestAborted);
    }
}
