using Chattorum.ChatApi.Diagnostics;
using Chattorum.ChatApi.Upgrade;

namespace Chattorum.ChatApi;

/// <summary>Builds the chat node; the tests start the same application on a free port.</summary>
public static class ChatApplication
{
    /// <summary>Kestrel's switch that makes a bare LF end no line of an HTTP/1.1 request (a 400 instead).</summary>
    public const string DisableLineFeedTerminatorsSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    public static WebApplication Build(string[] args)
    {
        // Kestrel takes a bare LF for a line's end unless told not to: a head that a proxy in front reads one way
        // and Kestrel another could smuggle a field past the proxy. Both upgrade paths refuse it (RFC 9112 §2.2).
        AppContext.SetSwitch(DisableLineFeedTerminatorsSwitch, true);
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddChat();

        // Chat connections are upgraded below the HTTP layer on every endpoint (see ChatListener), unless
        // Chat:UpgradeBelowHttp is off: then Kestrel's HTTP pipeline upgrades them all. Not on the management port
        // (Health:Port), which serves the probes only: an upgrade there would pass by the check that keeps it so.
        var managementPort = ManagementPort.From(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
        {
            if (listen.ApplicationServices.GetRequiredService<ChatOptions>().UpgradeBelowHttp
                && (managementPort is null || listen.IPEndPoint?.Port != managementPort))
            {
                listen.Use(next => ActivatorUtilities.CreateInstance<ChatListener>(listen.ApplicationServices, next).OnConnectedAsync);
            }
        }));

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapChat();
        app.MapRuntimeDiagnostics();
        return app;
    }
}
