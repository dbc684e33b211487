using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi;

/// <summary><c>GET /ws?name=...</c>: checks the request, upgrades it and runs the connection.</summary>
public static class ChatEndpoint
{
    public const string Path = "/ws";

    public static async Task HandleAsync(
        HttpContext context,
        OriginPolicy origins,
        RoomHubs hubs,
        ChatConnections connections,
        ChatMetrics metrics,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<ChatClient> logger)
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

        var name = context.Request.Query["name"].ToString();
        if (!Validation.IsValidUserName(name))
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "give a display name: ?name= 3 to 24 of A-Z, a-z, 0-9 and '_'").ConfigureAwait(false);
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

        using var client = new ChatClient(socket, name, hubs, metrics, time, logger);
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
