using System.Net;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;

namespace Chattorum.ChatApi.Diagnostics;

public static class DiagnosticsEndpoints
{
    /// <summary>
    /// <c>GET /diagnostics/runtime[?collect=true]</c>, only when <c>Chat:DiagnosticsEndpoint</c> is on, and only to a
    /// caller on the node's own machine: anyone else gets 404, as if it did not exist.
    /// </summary>
    public static WebApplication MapRuntimeDiagnostics(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<ChatOptions>().DiagnosticsEndpoint)
        {
            return app;
        }

        app.MapGet(RuntimeStats.Path, (HttpContext context, ChatConnections connections, RoomHubs hubs, bool? collect) =>
            context.Connection.RemoteIpAddress is { } caller && IPAddress.IsLoopback(caller)
                ? Results.Json(RuntimeStats.Take(connections, hubs, collect == true))
                : Results.NotFound());
        return app;
    }
}
