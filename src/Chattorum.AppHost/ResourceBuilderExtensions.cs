using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// Chooses how the backing services run: containers when a container runtime answers (and always in publish mode, so
/// the manifest describes real Redis and RabbitMQ), otherwise the Debian binaries as local processes.
/// Either way the resources are plain <see cref="IResourceWithConnectionString"/> to the services that reference them.
/// </summary>
internal static class ChattorumResourceBuilderExtensions
{
    /// <summary>
    /// Redis, as <c>ConnectionStrings:{name}</c> = StackExchange.Redis configuration (<c>host:port[,password=...]</c>).
    /// With <see cref="RedisClusterSwitch"/> on, a local Redis Cluster instead (always local processes: there is no
    /// container-based cluster here), whose connection string lists its primaries.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddCache(this IDistributedApplicationBuilder builder, string name)
    {
        if (RedisClusterSwitch.IsOn(builder))
        {
            Console.WriteLine(
                $"Chattorum: {RedisClusterSwitch.ConfigurationKey} is on: Redis runs as a local cluster of " +
                $"{LocalRedisClusterResource.NodeCount} redis-server processes ({LocalRedisClusterResource.PrimaryCount} primaries with replicas).");
            if (DataFolder.Root(builder) is not null)
            {
                Console.WriteLine(
                    $"Chattorum: the Redis Cluster starts empty every run ({DataFolder.ConfigurationKey} keeps only RabbitMQ's data in this mode).");
            }

            return builder.CreateResourceBuilder<IResourceWithConnectionString>(builder.AddLocalRedisCluster(name).Resource);
        }

        if (!UseContainers(builder))
        {
            return builder.CreateResourceBuilder<IResourceWithConnectionString>(builder.AddLocalRedis(name).Resource);
        }

        // With a data folder, the container's /data is a folder in it (Aspire then turns on Redis's persistence).
        var redis = builder.AddRedis(name);
        if (DataFolder.Root(builder) is { } root)
        {
            redis.WithDataBindMount(DataFolder.ForResource(builder, root, name));
        }

        return builder.CreateResourceBuilder<IResourceWithConnectionString>(redis.Resource);
    }

    /// <summary>RabbitMQ, as <c>ConnectionStrings:{name}</c> = an AMQP URI.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMessaging(this IDistributedApplicationBuilder builder, string name)
    {
        if (!UseContainers(builder))
        {
            return builder.CreateResourceBuilder<IResourceWithConnectionString>(builder.AddLocalRabbitMQ(name).Resource);
        }

        // With a data folder, the container's /var/lib/rabbitmq is a folder in it (Aspire then fixes the node's name).
        var rabbit = builder.AddRabbitMQ(name);
        if (DataFolder.Root(builder) is { } root)
        {
            rabbit.WithDataBindMount(DataFolder.ForResource(builder, root, name));
        }

        // Run mode: the services' own broker users, as on the local node. Publish mode leaves users to the deployment.
        if (!builder.ExecutionContext.IsPublishMode)
        {
            rabbit.WithBrokerUsers();
        }

        return builder.CreateResourceBuilder<IResourceWithConnectionString>(rabbit.Resource);
    }

    /// <summary>
    /// Passes a secret parameter to the resource as an environment variable, if the AppHost was given one. Either way
    /// the variable is recorded (<see cref="OptionalSecretAnnotation"/>): a deployment offers it as an optional secret.
    /// </summary>
    public static IResourceBuilder<T> WithOptionalSecret<T>(this IResourceBuilder<T> resource, string parameter, string variable)
        where T : IResourceWithEnvironment
    {
        resource.WithAnnotation(new OptionalSecretAnnotation(variable));
        return string.IsNullOrEmpty(resource.ApplicationBuilder.Configuration[$"Parameters:{parameter}"])
            ? resource
            : resource.WithEnvironment(variable, resource.ApplicationBuilder.AddParameter(parameter, secret: true));
    }

    private static bool? useContainers;

    private static bool UseContainers(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return true;
        }

        return useContainers ??= DecideOnce();

        static bool DecideOnce()
        {
            var healthy = ContainerRuntime.IsHealthy();
            Console.WriteLine(healthy
                ? $"Chattorum: container runtime '{ContainerRuntime.Name}' is healthy: Redis and RabbitMQ run as containers."
                : $"Chattorum: no healthy container runtime ('{ContainerRuntime.Name} info' failed): Redis and RabbitMQ run as local processes.");
            return healthy;
        }
    }
}
