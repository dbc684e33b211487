using Chattorum.ChatApi;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>The keep-alive settings keep the promises docs/protocol.md makes about them.</summary>
public sealed class KeepAliveTests
{
    [Fact]
    public void A_quiet_connection_is_pinged_before_a_proxys_60_s_idle_timeout() =>
        Assert.True(ChatLimits.KeepAliveInterval < TimeSpan.FromSeconds(60));

    [Fact]
    public void A_silent_peer_is_dropped_within_the_documented_bound()
    {
        // .NET's WebSocket checks every min(interval, timeout) / 4: a ping goes out up to one check after the interval,
        // and the missing pong is seen up to one check after the timeout.
        Assert.Equal(TimeSpan.FromSeconds(141), ChatLimits.DeadPeerBound);
        var protocol = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "protocol.md"));
        Assert.Contains("141 s at most", protocol, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Chattorum.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Chattorum.sln not found above the test's folder");
    }
}
