using System.Diagnostics;
using static Chattorum.Tests.Support.ChatTestClient;

namespace Chattorum.Tests.Support;

public static class CommandProbe
{
    /// <summary>
    /// Sends the command until a chat node has the broker again (it answers queued, not bot_unreachable); past the
    /// user's command limit the probe waits its turn.
    /// </summary>
    public static async Task<TimeSpan> UntilQueuedAsync(ChatTestClient client, string room, string line, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await client.ReplyToCommandAsync(await client.SendMessageAsync(room, line));
            if (Type(answer) == "queued")
            {
                return clock.Elapsed;
            }

            Assert.Contains(answer.GetProperty("code").GetString(), new[] { "bot_unreachable", "rate_limited" });
            Assert.True(clock.Elapsed < timeout, $"{line} was never queued");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Sends a command the node can publish; probes before it may have used up the user's command window.</summary>
    public static async Task QueuedAsync(ChatTestClient client, string room, string line, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await client.ReplyToCommandAsync(await client.SendMessageAsync(room, line));
            if (Type(answer) == "queued")
            {
                return;
            }

            Assert.Equal("rate_limited", answer.GetProperty("code").GetString());
            Assert.True(clock.Elapsed < timeout, $"{line} stayed rate limited");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static Task<System.Text.Json.JsonElement> ReplyToCommandAsync(this ChatTestClient client, string cid) =>
        client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
}
