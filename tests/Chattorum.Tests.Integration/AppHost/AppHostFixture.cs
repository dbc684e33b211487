using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Chattorum.Tests.Integration.AppHost;

/// <summary>Tests that need the whole system share one started AppHost: <c>[Collection(AppHostCollection.Name)]</c>.</summary>
[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}

/// <summary>
/// Starts <c>Chattorum.AppHost</c> as it runs for a developer (Redis, RabbitMQ, ChatApi, StockBot; containers when a
/// container runtime answers, local processes otherwise), without the dashboard and on random ports, and waits until
/// ChatApi and StockBot report healthy. Start-up takes ~10-20 s, disposal ~10-15 s. A derived fixture passes the AppHost
/// other arguments (<see cref="RedisClusterAppHostFixture"/>).
/// </summary>
public class AppHostFixture : IAsyncLifetime
{
    /// <summary>How long start-up (build of the model, processes, health) may take before the fixture fails.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The resources the fixture waits to be healthy (Redis PING, AMQP header, the services' /health).</summary>
    public static readonly string[] DefaultWaitedResources = ["cache", "messaging", "chatapi", "stockbot"];

    private readonly string[] arguments;

    private DistributedApplication? app;

    public AppHostFixture()
        : this([], DefaultWaitedResources)
    {
    }

    /// <param name="arguments">The AppHost's command line, e.g. <c>--Chattorum:RedisCluster true</c>.</param>
    /// <param name="waitedResources">The resources that must be healthy before the tests run.</param>
    protected AppHostFixture(string[] arguments, string[] waitedResources)
    {
        this.arguments = arguments;
        WaitedResources = waitedResources;
    }

    /// <summary>The resources this fixture waited to be healthy.</summary>
    public IReadOnlyList<string> WaitedResources { get; }

    /// <summary>How long <see cref="InitializeAsync"/> took: from building the model to every waited resource healthy.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>The started application: endpoints, connection strings, resource notifications.</summary>
    public DistributedApplication App => app ?? throw new InvalidOperationException("The AppHost has not been started.");

    /// <summary>ChatApi's http endpoint (DCP's proxy in front of its replicas), e.g. <c>http://localhost:41234</c>.</summary>
    public Uri GetChatApiEndpoint(string endpointName = "http") => App.GetEndpoint("chatapi", endpointName);

    /// <summary>An <see cref="HttpClient"/> whose base address is ChatApi's http endpoint. The caller disposes it.</summary>
    public HttpClient CreateChatApiClient() => App.CreateHttpClient("chatapi", "http");

    public async Task InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Chattorum_AppHost>(arguments, timeout.Token);
        app = await builder.BuildAsync(timeout.Token);

        try
        {
            await app.StartAsync(timeout.Token);
            await Task.WhenAll(WaitedResources.Select(name =>
                app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
            StartTime = started.Elapsed;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The AppHost did not get {string.Join(", ", WaitedResources)} healthy within {StartTimeout}. States: {DescribeStates()}");
        }
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }
    }

    private string DescribeStates()
    {
        return string.Join("; ", WaitedResources.Select(name =>
            App.ResourceNotifications.TryGetCurrentState(name, out var resourceEvent)
                ? $"{name}: {resourceEvent.Snapshot.State?.Text ?? "?"} / {resourceEvent.Snapshot.HealthStatus?.ToString() ?? "no health yet"}"
                : $"{name}: unknown"));
    }
}
