using Chattorum.StockBot.Quotes;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>
/// A host built the way the bot builds its own (service defaults, then <c>AddStockQuotes</c>) with both providers
/// pointed at a <see cref="FakeQuoteServer"/>, a fake clock and every log record collected.
/// </summary>
internal sealed class QuotesHost : IAsyncDisposable
{
    /// <summary>No retry delay, so only attempt timeouts need the clock moved; the rest as in production.</summary>
    private static readonly Dictionary<string, string?> TestDefaults = new()
    {
        ["Quotes:Resilience:RetryDelay"] = "00:00:00",
        ["Quotes:Resilience:MaxRetryAttempts"] = "2",
        ["Quotes:Resilience:AttemptTimeout"] = "00:00:03",
        ["Quotes:Resilience:MinimumThroughput"] = "4",
        ["Quotes:Resilience:FailureRatio"] = "0.5",
        ["Quotes:Resilience:BreakDuration"] = "00:00:30",
    };

    private readonly IHost _host;

    private QuotesHost(IHost host) => _host = host;

    public IStockQuotes Quotes => _host.Services.GetRequiredService<IStockQuotes>();

    public QuotePipelines Pipelines => _host.Services.GetRequiredService<QuotePipelines>();

    public FakeLogCollector Logs => _host.Services.GetFakeLogCollector();

    public static async Task<QuotesHost> StartAsync(FakeQuoteServer server, TimeProvider time, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(server.Configuration(TestDefaults.Concat(settings ?? [])));
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.AddServiceDefaults();
        builder.AddStockQuotes();
        builder.Services.AddSingleton(time);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new QuotesHost(host);
    }

    /// <summary>
    /// Bounded in real time: a Polly pipeline from a registry waits for its executions on the (fake) clock when
    /// disposed, so a client that kept the standard resilience handler would otherwise hang the test run.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await _host.StopAsync(deadline.Token);
        }

        await ((IAsyncDisposable)_host).DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
