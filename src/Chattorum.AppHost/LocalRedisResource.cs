using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.AppHost;

/// <summary>
/// Redis run from the Debian package's <c>redis-server</c> as a plain process, for machines without a container runtime.
/// Its connection string is StackExchange.Redis's <c>host:port</c>, pointing at DCP's proxy for the <c>tcp</c> endpoint.
/// </summary>
internal sealed class LocalRedisResource(string name, string command, string dataFolder)
    : LocalServiceResource(name, command, dataFolder)
{
    public override ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

internal static class LocalRedisResourceExtensions
{
    private static readonly string[] Candidates = ["/usr/bin/redis-server", "redis-server"];

    /// <summary>
    /// Adds Redis as a local process: DCP assigns the port (passed with <c>--port</c>), data lives in a per-run folder
    /// (or under <see cref="DataFolder"/>, kept across runs), append-only persistence as deployed, and the health check
    /// sends <c>PING</c>.
    /// </summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name)
    {
        var command = LocalServices.FindBinary(name, "CHATTORUM_REDIS_SERVER", Candidates, "redis-server");
        var dataFolder = DataFolder.Root(builder) is { } root
            ? DataFolder.ForResource(builder, root, name)
            : LocalServices.CreateDataFolder(builder, name);
        var resource = new LocalRedisResource(name, command, dataFolder);

        var healthCheckKey = $"{name}_ping";
        builder.Services.AddHealthChecks().AddCheck(healthCheckKey, ProtocolHealthCheck.RedisPing(resource.PrimaryEndpoint));

        return builder.AddResource(resource)
            .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--dir");
                context.Args.Add(dataFolder);
                context.Args.Add("--pidfile");
                context.Args.Add(Path.Combine(dataFolder, "redis.pid"));
                context.Args.Add("--save");
                context.Args.Add(string.Empty);
                context.Args.Add("--appendonly");
                context.Args.Add("yes");
            })
            .WithIconName("Database")
            .WithHealthCheck(healthCheckKey);
    }
}
