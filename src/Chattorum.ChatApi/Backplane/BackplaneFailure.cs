namespace Chattorum.ChatApi.Backplane;

public static class BackplaneFailure
{
    /// <summary>Redis unreachable, timed out, or the connection already disposed at shutdown.</summary>
    public static bool Is(Exception exception) =>
        exception is StackExchange.Redis.RedisException or TimeoutException or ObjectDisposedException;
}
