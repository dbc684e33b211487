using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Support;

/// <summary>The built Chattorum.StockBot as its own process, against a test broker and the fake quote providers.</summary>
public static class StockBotProcess
{
    public static Task<ServiceProcess> StartAsync(RabbitMqServer broker, FakeQuoteServer quotes, params (string Key, string Value)[] settings) =>
        StartAsync(broker.BotConnectionString(Chattorum.StockBot.StockCommandConsumer.Command), quotes, settings);

    /// <summary>The bot on any broker deployment: one node, or a cluster's nodes as a comma-separated list of AMQP URIs.</summary>
    public static Task<ServiceProcess> StartAsync(string brokerConnectionString, FakeQuoteServer quotes, params (string Key, string Value)[] settings) =>
        ServiceProcess.StartAsync(
            "Chattorum.StockBot",
            [
                ("ConnectionStrings__messaging", brokerConnectionString),
                ("Quotes__Stooq__BaseUrl", quotes.BaseUrl),
                ("Quotes__AlphaVantage__BaseUrl", quotes.BaseUrl),
                ("Quotes__AlphaVantage__ApiKey", FakeQuoteServer.AlphaVantageKey),
                ("Quotes__Resilience__RetryDelay", "00:00:00.050"),
                .. settings,
            ]);
}
