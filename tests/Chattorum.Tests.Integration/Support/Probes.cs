using System.Diagnostics;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Support;

/// <summary>Sends that are refused while a service is away, repeated until it is back.</summary>
public static class Probes
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

    /// <summary>Sends until the node has Redis again: refused with unavailable until acked, within <paramref name="limit"/> of <paramref name="since"/>.</summary>
    public static Task UntilAckedAsync(ChatTestClient client, string room, Stopwatch since, TimeSpan limit) =>
        UntilAckedAsync(client, room, since, limit, "unavailable");

    /// <summary>The same, when other refusals are expected meanwhile (e.g. <c>unconfirmed</c> while a shard has lost its replica).</summary>
    public static async Task UntilAckedAsync(ChatTestClient client, string room, Stopwatch since, TimeSpan limit, params string[] refusals)
    {
        while (true)
        {
            var answer = await client.ReplyToAsync(await client.SendMessageAsync(room, "probe"));
            if (Type(answer) == "ack")
            {
                return;
            }

            Assert.Contains(answer.GetProperty("code").GetString(), refusals);
            Assert.True(since.Elapsed < limit, $"{client.Name}'s node did not get Redis back");
            await Task.Delay(100);
        }
    }

    private static Task<System.Text.Json.JsonElement> ReplyToCommandAsync(this ChatTestClient client, string cid) =>
        client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
}
