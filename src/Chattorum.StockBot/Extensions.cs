using Chattorum.Messaging;
using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chattorum.StockBot;

public static class Extensions
{
    /// <summary>The broker connection (a bot without it is not ready), the quote service, and the command consumer.</summary>
    public static IHostApplicationBuilder AddStockBot(this IHostApplicationBuilder builder)
    {
        builder.AddBrokerConnection(whenDown: HealthStatus.Unhealthy);
        builder.AddStockQuotes();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<StockCommandConsumer>();
        return builder;
    }
}
