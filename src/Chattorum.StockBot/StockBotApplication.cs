namespace Chattorum.StockBot;

/// <summary>Builds the bot; the tests start the same application in process.</summary>
public static class StockBotApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddServiceDefaults();
        builder.AddStockBot();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
