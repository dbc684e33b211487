using StackExchange.Redis;

namespace Chattorum.ChatApi.Backplane;

/// <summary>Runs the presence heartbeat.</summary>
public sealed partial class PresenceHeartbeat(RedisPresence presence, ILogger<PresenceHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ChatLimits.PresenceHeartbeat);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await presence.HeartbeatAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                LogHeartbeatFailed(logger, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);
}
