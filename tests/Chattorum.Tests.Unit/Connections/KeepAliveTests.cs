using System.Net;
using System.Net.Sockets;
using Chattorum.ChatApi;

namespace Chattorum.Tests.Unit.Connections;

/// <summary>The keep-alive settings keep the promises docs/protocol.md makes about them.</summary>
public sealed class KeepAliveTests
{
    [Fact]
    public void A_quiet_connection_hears_from_the_server_before_a_proxys_60_s_idle_timeout() =>
        Assert.True(ChatLimits.KeepAliveInterval < TimeSpan.FromSeconds(60));

    [Fact]
    public void The_websocket_runs_no_pong_wait_whose_timer_would_tick_per_connection() =>
        Assert.Equal(Timeout.InfiniteTimeSpan, ChatApi.ChatEndpoint.SocketOptions.KeepAliveTimeout);

    [Fact]
    public void A_silent_peer_is_dropped_within_the_documented_bound()
    {
        Assert.Equal(TimeSpan.FromSeconds(114), ChatLimits.DeadPeerBound);
        var protocol = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "protocol.md"));
        Assert.Contains("114 s at most", protocol, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_accepted_socket_gets_the_send_buffer_and_the_kernels_dead_peer_timeout()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // TCP_USER_TIMEOUT is Linux's; elsewhere only the send buffer is set.
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();

        ChatApi.ChatEndpoint.ConfigureSocket(accepted);

        var timeout = new byte[4];
        Assert.Equal(4, accepted.GetRawSocketOption((int)ProtocolType.Tcp, ChatApi.ChatEndpoint.TcpUserTimeoutOption, timeout));
        Assert.Equal((int)ChatLimits.TcpUserTimeout.TotalMilliseconds, BitConverter.ToInt32(timeout));

        // Linux doubles what it is given (for its bookkeeping) and reports that.
        Assert.InRange(accepted.SendBufferSize, ChatLimits.SocketSendBufferBytes, 2 * ChatLimits.SocketSendBufferBytes);
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
