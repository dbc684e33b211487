using System.Diagnostics;
using System.Runtime.Versioning;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// Each service, published as PublishContainer publishes it and started as its image starts it (see
/// <see cref="ContainerLikeProcess"/>), answers the probes: it needs nothing the image lacks (a shell, a writable
/// /app/, the test's environment, root), only the image's environment and its Deployment's settings.
/// </summary>
[UnsupportedOSPlatform("windows")]
[Collection(ContainersCollection.Name)]
public class ContainerRunTests(ContainerConfigFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_chat_api_starts_from_its_read_only_publish_folder_as_its_image_would()
    {
        await using var redis = await RedisServer.StartAsync();
        await RunAsync(
            ServiceImages.ChatApi,
            async (app, process) =>
            {
                // The web page is part of the image: served from the published wwwroot.
                using var http = new HttpClient();
                Assert.Equal(
                    await File.ReadAllTextAsync(Path.Combine(app.Folder, "wwwroot", "index.html")),
                    await http.GetStringAsync(process.BaseUri));
            },
            ("ConnectionStrings__cache", redis.ConnectionString),
            ("Auth__SigningKey", TestSecrets.SigningKey));
    }

    [Fact]
    public async Task The_stock_bot_starts_from_its_read_only_publish_folder_as_its_image_would()
    {
        await using var broker = await RabbitMqServer.StartAsync();
        await RunAsync(
            ServiceImages.StockBot,
            (_, _) => Task.CompletedTask,
            ("ConnectionStrings__messaging", broker.BotConnectionString(Chattorum.StockBot.StockCommandConsumer.Command)));
    }

    /// <summary>Publishes and starts <paramref name="service"/>, waits until it is alive and ready, runs <paramref name="check"/>, stops it.</summary>
    private async Task RunAsync(ServiceImage service, Func<PublishedApp, ContainerLikeProcess, Task> check, params (string Name, string Value)[] settings)
    {
        using var app = await PublishedApp.PublishAsync(service);
        var before = app.Snapshot();
        var started = Stopwatch.StartNew();

        await using (var process = ContainerLikeProcess.Start(fixture[service], app, FreePort.Next(), settings))
        {
            await process.WaitForAsync(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath);
            var alive = started.Elapsed;
            await process.WaitForAsync(Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath);
            var ready = started.Elapsed;
            if (ContainerLikeProcess.SwitchesUser)
            {
                Assert.Equal(ContainerEnvironment.AppUid, process.Uid);
            }
            else
            {
                Assert.NotEqual(0, process.Uid);
            }

            await check(app, process);

            Assert.True(await process.StopAsync() == 0, $"{service} did not stop cleanly on SIGTERM:\n{process.Output}");
            output.WriteLine(
                $"{service}: published in {app.PublishTime.TotalSeconds:0.0} s (--no-build); alive after {alive.TotalSeconds:0.0} s, " +
                $"ready after {ready.TotalSeconds:0.0} s; run as {(ContainerLikeProcess.SwitchesUser ? $"uid {ContainerEnvironment.AppUid}" : Environment.UserName)}");
        }

        Assert.Equal(before, app.Snapshot());
        Assert.Empty(Directory.EnumerateFileSystemEntries(app.Home));
    }
}
