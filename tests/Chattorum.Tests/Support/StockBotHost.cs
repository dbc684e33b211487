using Chattorum.StockBot;
using Microsoft.AspNetCore.Builder;

namespace Chattorum.Tests.Support;

/// <summary>The real StockBot, in this process, against a test broker and the fake quote providers.</summary>
public sealed class StockBotHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StockBotHost(WebApplication app) => _app = app;

    public static async Task<StockBotHost> StartAsync(RabbitMqServer broker, FakeQuoteServer quotes, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            "--Logging:LogLevel:Default", "Warning",
            "--ConnectionStrings:messaging", broker.ConnectionString,
            "--Quotes:Stooq:BaseUrl", quotes.BaseUri.ToString().TrimEnd('/'),
            "--Quotes:AlphaVantage:BaseUrl", quotes.BaseUri.ToString().TrimEnd('/'),
            "--Quotes:AlphaVantage:ApiKey", FakeQuoteServer.AlphaVantageKey,
            "--Quotes:Resilience:RetryDelay", "00:00:00.050",
            "--Quotes:Resilience:AttemptTimeout", "00:00:01",
            .. settings,
        ];
        var app = StockBotApplication.Build(args);
        await app.StartAsync();
        return new StockBotHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
