using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Support;

/// <summary>A chat node as its own process (the built Chattorum.ChatApi), so that a test can kill or restart it for real.</summary>
public sealed class ChatNodeProcess : IChatEndpoint, IAsyncDisposable
{
    private ChatNodeProcess(ServiceProcess process) => Process = process;

    public ServiceProcess Process { get; }

    public Uri BaseUri => Process.BaseUri;

    public bool HasExited => Process.HasExited;

    public static Task<ChatNodeProcess> StartAsync(RedisServer redis, params (string Key, string Value)[] settings) =>
        StartAsync(redis.ConnectionString, settings);

    /// <summary>A node on any Redis deployment: one server, or a cluster's primaries (StackExchange.Redis syntax).</summary>
    public static async Task<ChatNodeProcess> StartAsync(string redisConnectionString, params (string Key, string Value)[] settings) =>
        new(await ServiceProcess.StartAsync(
            "Chattorum.ChatApi",
            [("ConnectionStrings__cache", redisConnectionString), ("Auth__SigningKey", TestSecrets.SigningKey), .. settings]));

    /// <summary>SIGKILL: the node vanishes mid-flight.</summary>
    public Task KillAsync() => Process.KillAsync();

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
