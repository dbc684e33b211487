using System.Net;
using Chattorum.StockBot;
using Chattorum.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.Tests.Integration.Support;

/// <summary>The real StockBot, in this process, against a test broker and the fake quote providers.</summary>
public sealed class StockBotHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StockBotHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    public static async Task<StockBotHost> StartAsync(RabbitMqServer broker, FakeQuoteServer quotes, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Testing",
            "--Logging:LogLevel:Default", "Warning",
            "--ConnectionStrings:messaging", broker.BotConnectionString(StockCommandConsumer.Command),
            "--Quotes:Stooq:BaseUrl", quotes.BaseUri.ToString().TrimEnd('/'),
            "--Quotes:AlphaVantage:BaseUrl", quotes.BaseUri.ToString().TrimEnd('/'),
            "--Quotes:AlphaVantage:ApiKey", FakeQuoteServer.AlphaVantageKey,
            "--Quotes:Resilience:RetryDelay", "00:00:00.050",
            "--Quotes:Resilience:AttemptTimeout", "00:00:01",
            .. settings,
        ];
        var app = StockBotApplication.Build(args);
        await app.StartAsync();

        // Ready when its health says so: connected and consuming its queue (before that, /stock is an unknown command).
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        await Eventually.EqualAsync(HttpStatusCode.OK, async () => (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode, TimeSpan.FromSeconds(60));
        return new StockBotHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
