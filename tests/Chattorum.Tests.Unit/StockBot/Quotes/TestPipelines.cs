using Chattorum.StockBot.Quotes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>The bot's pipelines for scripted providers, registered with Polly.Extensions exactly as the bot does.</summary>
internal static class TestPipelines
{
    public static QuotePipelines Create(IEnumerable<IQuoteProvider> providers, IOptions<QuotesOptions> options, TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time);
        services.AddSingleton(options);
        foreach (var provider in providers)
        {
            services.AddSingleton(provider);
        }

        QuotePipelines.AddQuotePipelines(services);
        return services.BuildServiceProvider().GetRequiredService<QuotePipelines>();
    }
}
