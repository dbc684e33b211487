using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;

namespace Chattorum.ChatApi;

public static class Extensions
{
    public static IHostApplicationBuilder AddChat(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<ChatOptions>(builder.Configuration.GetSection(ChatOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatMetrics>();
        builder.Services.AddSingleton<RoomHubs>();
        builder.Services.AddSingleton<ChatConnections>();
        builder.Services.AddSingleton<OriginPolicy>();
        builder.AddTelemetrySources(ChatMetrics.MeterName);
        return builder;
    }

    public static WebApplication MapChat(this WebApplication app)
    {
        app.UseWebSockets();
        app.Map(ChatEndpoint.Path, ChatEndpoint.HandleAsync);

        var connections = app.Services.GetRequiredService<ChatConnections>();
        app.Lifetime.ApplicationStopping.Register(() => connections.CloseAll("server shutting down"));
        return app;
    }
}
