using Microsoft.Extensions.Configuration;

namespace Chattorum.AppHost;

/// <summary>
/// The AppHost setting that runs a local Redis Cluster instead of one Redis:
/// <c>dotnet run --project src/Chattorum.AppHost -- --Chattorum:RedisCluster true</c>, or the environment variable
/// <c>Chattorum__RedisCluster=true</c> (what <c>scripts/run.sh --redis-cluster</c> sets). Off by default.
/// </summary>
internal static class RedisClusterSwitch
{
    public const string ConfigurationKey = "Chattorum:RedisCluster";

    /// <summary>The same key as an environment variable (configuration's <c>__</c> for <c>:</c>).</summary>
    public const string EnvironmentVariable = "Chattorum__RedisCluster";

    /// <summary>
    /// True when the switch is on and the AppHost runs the app (not publish mode: the manifest always describes the one
    /// Redis of the app model; tools/Chattorum.Deploy --redis-cluster makes the Kubernetes cluster from it).
    /// A value that is not a boolean fails here, rather than quietly running the other mode.
    /// </summary>
    public static bool IsOn(IDistributedApplicationBuilder builder)
    {
        var value = builder.Configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (!bool.TryParse(value, out var on))
        {
            throw new InvalidOperationException($"{ConfigurationKey} must be true or false, not '{value}'.");
        }

        if (on && builder.ExecutionContext.IsPublishMode)
        {
            Console.WriteLine(
                $"Chattorum: {ConfigurationKey} is ignored in publish mode: the manifest describes one Redis; " +
                "`dotnet run --project tools/Chattorum.Deploy -- --redis-cluster` generates a Kubernetes Redis Cluster from it.");
            return false;
        }

        return on;
    }
}
