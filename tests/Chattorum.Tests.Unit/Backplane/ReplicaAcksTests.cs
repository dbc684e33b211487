using System.Text.Json;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.Tests.Unit.Backplane;

/// <summary>The <c>Chat:ReplicaAcks</c> setting, and the <c>unconfirmed</c> error that names the message.</summary>
public class ReplicaAcksTests
{
    [Theory]
    [InlineData(null, 1, true)]
    [InlineData("", 1, true)]
    [InlineData("auto", 1, true)]
    [InlineData(" AUTO ", 1, true)]
    [InlineData("0", 0, false)]
    [InlineData("1", 1, false)]
    [InlineData("2", 2, false)]
    [InlineData("5", 5, false)]
    public void Valid_settings_parse(string? setting, int required, bool auto)
    {
        Assert.True(ReplicaAcks.TryParse(setting, out var acks));
        Assert.Equal(new ReplicaAcks(required, auto), acks);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("6")]
    [InlineData("1.5")]
    [InlineData("one")]
    [InlineData("+1")]
    [InlineData("1 2")]
    [InlineData("99999999999999999999")]
    public void Invalid_settings_are_refused(string setting) => Assert.False(ReplicaAcks.TryParse(setting, out _));

    [Theory]
    [InlineData("auto", 0, 0)]
    [InlineData("auto", 1, 1)]
    [InlineData("auto", 3, 1)]
    [InlineData("0", 2, 0)]
    [InlineData("2", 0, 2)]
    [InlineData("2", 1, 2)]
    [InlineData("1", 3, 1)]
    public void Auto_waits_only_for_replicas_that_are_there_a_number_always_waits(string setting, int connected, int waitFor)
    {
        Assert.True(ReplicaAcks.TryParse(setting, out var acks));
        Assert.Equal(waitFor, acks.RequiredWith(connected));
    }

    [Fact]
    public void An_invalid_setting_stops_the_node_at_start_up_rather_than_falling_back()
    {
        // The options validation refuses it; the parsed property alone would fall back to auto.
        var options = new ChatOptions { ReplicaAcks = "sometimes" };
        Assert.False(ReplicaAcks.TryParse(options.ReplicaAcks, out _));
        Assert.Equal(ReplicaAcks.Default, options.ReplicaAcksSetting);
    }

    [Fact]
    public void The_unconfirmed_error_carries_the_id_of_the_message_that_was_stored()
    {
        var frame = ServerFrameWriter.Current.Error(new FrameError(ErrorCodes.Unconfirmed, "not confirmed", "send", "7", "1732712345678-0"));
        using var json = JsonDocument.Parse(frame);
        var root = json.RootElement;
        Assert.Equal(("error", "unconfirmed", "send", "7", "1732712345678-0"),
            (root.GetProperty("type").GetString(), root.GetProperty("code").GetString(), root.GetProperty("frame").GetString(), root.GetProperty("cid").GetString(), root.GetProperty("id").GetString()));

        var withoutId = ServerFrameWriter.Current.Error(new FrameError(ErrorCodes.Busy, "busy", "send", "8"));
        using var plain = JsonDocument.Parse(withoutId);
        Assert.False(plain.RootElement.TryGetProperty("id", out _));
    }
}
