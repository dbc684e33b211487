using System.Diagnostics;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Chattorum.Tests.Integration.AppHost;

/// <summary>The data folder tests start the AppHost twice in a row: alone, so a busy machine keeps their deadlines.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostDataFolderCollection
{
    public const string Name = "AppHost, data folder";
}

/// <summary>
/// <c>Chattorum:DataFolder</c> (what <c>scripts/run.sh</c> passes): the AppHost's own Redis and RabbitMQ, started from its
/// app model, keep what they stored across a restart, and <c>Chattorum:Fresh</c> (<c>run.sh --fresh</c>) starts them
/// empty. Two starts: the first with Fresh on a folder an earlier run left, the second without. Accounts and rooms' history are Redis data and queued commands are RabbitMQ's, so a key and a durable queue
/// stand for them. Only <c>cache</c> and <c>messaging</c> are started (the chat nodes and the bot are removed from the
/// model): what is tested is where the services keep their data, and each start costs seconds rather than half a minute.
/// </summary>
[Collection(AppHostDataFolderCollection.Name)]
public sealed class AppHostDataFolderTests(ITestOutputHelper output) : IDisposable
{
    private const string Queue = "chattorum.test.kept";

    private static readonly string[] Services = ["cache", "messaging"];

    private readonly string _folder = Directory.CreateTempSubdirectory("chattorum-data-").FullName;

    [Fact]
    public async Task Fresh_starts_Redis_and_RabbitMQ_empty_and_without_it_they_keep_their_data_across_a_restart()
    {
        // What an earlier run left (a stand-in: whatever is in the two folders must go with Fresh).
        var left = new[] { Path.Combine(_folder, "cache", "appendonlydir", "left-by-an-earlier-run"), Path.Combine(_folder, "messaging", "left-by-an-earlier-run") };
        foreach (var file in left)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, "old");
        }

        var key = $"chattorum:test:{Guid.NewGuid():N}";
        var clock = Stopwatch.StartNew();

        await using (var first = await StartAsync(fresh: true))
        {
            Assert.All(left, file => Assert.False(File.Exists(file), $"{file} is still there"));
            await using var redis = await RedisAsync(first);
            Assert.Equal(0, await redis.GetServers()[0].DatabaseSizeAsync());
            Assert.True(await redis.GetDatabase().StringSetAsync(key, "kept"));
            await using var broker = await BrokerAsync(first);
            await using var channel = await broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync(string.Empty, Queue, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("kept"));

            // A second AppHost on the same folder is refused while this one runs (two Redis on one append-only file).
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(fresh: false));
            Assert.Contains("in use by another AppHost", refused.ToString(), StringComparison.Ordinal);
        }

        output.WriteLine($"fresh run, stopped: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(Directory.EnumerateFileSystemEntries(Path.Combine(_folder, "cache")).Any(), "nothing in the data folder's cache/");
        Assert.True(Directory.EnumerateFileSystemEntries(Path.Combine(_folder, "messaging")).Any(), "nothing in the data folder's messaging/");

        await using (var second = await StartAsync(fresh: false))
        {
            await using var redis = await RedisAsync(second);
            Assert.Equal("kept", (string?)await redis.GetDatabase().StringGetAsync(key));
            await using var broker = await BrokerAsync(second);
            await using var channel = await broker.CreateChannelAsync();
            var message = await channel.BasicGetAsync(Queue, autoAck: true);
            Assert.NotNull(message);
            Assert.Equal("kept", Encoding.UTF8.GetString(message.Body.Span));
        }

        output.WriteLine($"second run, stopped: {clock.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The AppHost with the data folder, only Redis and RabbitMQ, started and healthy.</summary>
    private async Task<DistributedApplication> StartAsync(bool fresh)
    {
        using var timeout = new CancellationTokenSource(AppHostFixture.StartTimeout);
        string[] arguments = ["--Chattorum:DataFolder", _folder, "--Chattorum:Fresh", fresh ? "true" : "false"];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Chattorum_AppHost>(arguments, timeout.Token);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        var app = await builder.BuildAsync(timeout.Token);
        try
        {
            await app.StartAsync(timeout.Token);
            await Task.WhenAll(Services.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<ConnectionMultiplexer> RedisAsync(DistributedApplication app) =>
        await ConnectionMultiplexer.ConnectAsync(await app.GetConnectionStringAsync("cache") ?? throw new InvalidOperationException("no cache connection string"));

    private static async Task<IConnection> BrokerAsync(DistributedApplication app) =>
        await new ConnectionFactory { Uri = new Uri(await app.GetConnectionStringAsync("messaging") ?? throw new InvalidOperationException("no messaging connection string")) }
            .CreateConnectionAsync();
}
