namespace Chattorum.ChatApi;

/// <summary>Builds the chat node; the tests start the same application on a free port.</summary>
public static class ChatApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddChat();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapChat();
        return app;
    }
}
