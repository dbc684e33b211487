using Chattorum.ChatApi.Diagnostics;
using Chattorum.ChatApi.Upgrade;

namespace Chattorum.ChatApi;

/// <summary>Builds the chat node; the tests start the same application on a free port.</summary>
public static class ChatApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddChat();

        // Chat connections are upgraded below the HTTP layer on every endpoint (see ChatListener).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
            listen.Use(next => ActivatorUtilities.CreateInstance<ChatListener>(listen.ApplicationServices, next).OnConnectedAsync)));

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapChat();
        app.MapRuntimeDiagnostics();
        return app;
    }
}
