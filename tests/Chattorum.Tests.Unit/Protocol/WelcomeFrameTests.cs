using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Protocol;

/// <summary>The first frame a client gets: who it is, the protocol version and the limits it must keep to.</summary>
public sealed class WelcomeFrameTests
{
    [Fact]
    public void Welcome_announces_the_protocol_version_before_the_user_and_the_limits()
    {
        var options = new ChatOptions { RatePerSecond = 7, RateBurst = 9, MaxTextLength = 500, MaxRoomsPerConnection = 3 };
        using var frame = JsonDocument.Parse(ServerFrameWriter.Current.Welcome("alice", options));
        var root = frame.RootElement;

        Assert.Equal(["type", "protocol", "user", "limits"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("welcome", root.GetProperty("type").GetString());
        Assert.Equal(ProtocolVersion.Current, root.GetProperty("protocol").GetInt32());
        Assert.Equal(1, ProtocolVersion.Current);
        Assert.Equal("alice", root.GetProperty("user").GetString());
        var limits = root.GetProperty("limits");
        // The frame size is fixed (computed for the longest text allowed); the rest is the deployment's settings.
        Assert.Equal(ChatLimits.MaxFrameBytes, limits.GetProperty("maxFrameBytes").GetInt32());
        Assert.Equal(500, limits.GetProperty("maxTextLength").GetInt32());
        Assert.Equal(3, limits.GetProperty("maxRooms").GetInt32());
        Assert.Equal(7, limits.GetProperty("ratePerSecond").GetDouble());
        Assert.Equal(9, limits.GetProperty("rateBurst").GetInt32());
    }
}
