using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Chattorum.StockBot.Quotes;

public static class QuotesExtensions
{
    /// <summary>
    /// Registers <see cref="IStockQuotes"/> with its providers (stooq, Alpha Vantage), their named HttpClients and
    /// resilience pipelines, bound to the configuration section <c>Quotes</c> (see <see cref="QuotesOptions"/>).
    /// Uses the <see cref="TimeProvider"/> registered in the container (<see cref="TimeProvider.System"/> if none).
    /// </summary>
    public static IHostApplicationBuilder AddStockQuotes(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<QuotesOptions>()
            .Bind(builder.Configuration.GetSection(QuotesOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QuotesOptions>, QuotesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQuoteProvider, StooqQuoteProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQuoteProvider, AlphaVantageQuoteProvider>());
        AddQuoteClient(services, StooqQuoteProvider.HttpClientName);
        AddQuoteClient(services, AlphaVantageQuoteProvider.HttpClientName);

        QuotePipelines.AddQuotePipelines(services);
        services.TryAddSingleton<ProviderLimits>();
        services.AddMetrics();
        services.TryAddSingleton<BotMetrics>();
        services.TryAddSingleton<IStockQuotes, StockQuotes>();
        return builder;
    }

    /// <summary>
    /// A named client whose only resilience is the provider's pipeline: the standard handler the service defaults
    /// add to every client is removed, and the client's own timeout is off (the pipeline times each attempt).
    /// </summary>
    private static void AddQuoteClient(IServiceCollection services, string name)
    {
        var client = services.AddHttpClient(name, client =>
        {
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Chattorum-StockBot/1.0");
        });
#pragma warning disable EXTEXP0001 // Experimental in Microsoft.Extensions.Http.Resilience 10.x; the one way to undo ConfigureHttpClientDefaults.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
    }
}
