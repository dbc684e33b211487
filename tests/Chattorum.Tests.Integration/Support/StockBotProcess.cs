using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Support;

/// <summary>The built Chattorum.StockBot as its own process, against a test broker and the fake quote providers.</summary>
public static class StockBotProcess
{
    public static Task<ServiceProcess> StartAsync(RabbitMqServer broker, FakeQuoteServer quotes, params (string Key, string Value)[] settings) =>
        ServiceProcess.StartAsync(
            "Chattorum.StockBot",
            [
                ("ConnectionStrings__messaging", broker.BotConnectionString(Chattorum.StockBot.StockCommandConsumer.Command)),
                ("Quotes__Stooq__BaseUrl", quotes.BaseUrl),
                ("Quotes__AlphaVantage__BaseUrl", quotes.BaseUrl),
                ("Quotes__AlphaVantage__ApiKey", FakeQuoteServer.AlphaVantageKey),
                ("Quotes__Resilience__RetryDelay", "00:00:00.050"),
                .. settings,
            ]);
}
