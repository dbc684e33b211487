using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Upgrade;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// The settings of the upgrade paths, each on a node of its own: <c>Chat:UpgradeBelowHttp</c> off leaves every
/// upgrade to Kestrel's HTTP pipeline, and <c>Chat:MaxConnections</c> holds on both paths.
/// </summary>
public sealed class UpgradeSettingsTests
{
    [Fact]
    public async Task With_the_listener_off_an_upgrade_still_works_through_Kestrel()
    {
        await using var node = await ChatServer.StartAsync("--Chat:UpgradeBelowHttp", "false");
        using var upgrades = new MetricCollector<long>(node.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.upgrades");

        // A ClientWebSocket's upgrade is the first request on its connection: the listener would have taken it.
        await using var alice = await ConnectAsync(node, "http_only_alice");
        await alice.JoinAsync("http_only");
        var cid = await alice.SendMessageAsync("http_only", "through Kestrel");
        Assert.Equal("ack", Type(await alice.ReplyToAsync(cid)));

        var answer = Assert.Single(upgrades.GetMeasurementSnapshot());
        Assert.Equal(101, answer.Tags["http.response.status_code"]);
        Assert.Equal(ChatEndpoint.HttpPath, answer.Tags["chat.upgrade.path"]);

        // What the listener refuses, Kestrel refuses alike as a connection's first request.
        var (status, _) = await UpgradeAsync(node, "two Content-Length fields", "http_only_alice", afterAnotherRequest: false);
        Assert.Equal(UpgradeHeadCases.Status("two Content-Length fields"), status);
    }

    [Fact]
    public async Task Over_the_connection_limit_both_paths_refuse_with_503_and_Retry_After_and_a_slot_frees_when_a_client_leaves()
    {
        await using var node = await ChatServer.StartAsync("--Chat:MaxConnections", "2");
        using var upgrades = new MetricCollector<long>(node.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.upgrades");
        var slots = node.Get<ConnectionLimit>();

        // The limit counts both paths together.
        var below = await ConnectRawAsync(node, "limit_below", afterAnotherRequest: false);
        var http = await ConnectRawAsync(node, "limit_http", afterAnotherRequest: true);
        try
        {
            foreach (var afterAnotherRequest in new[] { false, true })
            {
                var (status, head) = await UpgradeAsync(node, "a valid upgrade", "limit_third", afterAnotherRequest);
                Assert.True(status == 503, $"over the limit, after another request {afterAnotherRequest}: {head}");
                Assert.Equal(((int)ChatLimits.ConnectionLimitRetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), RawHttp.Field(head, "Retry-After"));
            }

            var refusals = upgrades.GetMeasurementSnapshot().Where(m => Equals(m.Tags.GetValueOrDefault("error.type"), "connection_limit")).ToList();
            Assert.Equal([ChatEndpoint.HttpPath, ChatEndpoint.ListenerPath], refusals.Select(m => (string)m.Tags["chat.upgrade.path"]!).Order());
            Assert.All(refusals, m => Assert.Equal(503, m.Tags["http.response.status_code"]));

            // The connections inside the limit go on as before.
            await below.JoinAsync("limit_room");
            await http.JoinAsync("limit_room");
            var cid = await below.SendMessageAsync("limit_room", "still served");
            Assert.Equal("ack", Type(await below.ReplyToAsync(cid)));
            await http.WaitForAsync(f => IsMessageIn(f, "limit_room") && f.GetProperty("text").GetString() == "still served");

            // A client leaves: its slot is free once its connection has ended, and the next upgrade is admitted.
            await below.CloseAsync();
            await Eventually.EqualAsync(1, () => Task.FromResult(slots.Taken));
            var next = await ConnectRawAsync(node, "limit_third", afterAnotherRequest: true);
            await using (next)
            {
                Assert.Equal(2, slots.Taken);
                Assert.Equal(503, (await UpgradeAsync(node, "a valid upgrade", "limit_fourth", afterAnotherRequest: false)).Status);
            }
        }
        finally
        {
            await below.DisposeAsync();
            await http.DisposeAsync();
        }

        await Eventually.EqualAsync(0, () => Task.FromResult(slots.Taken));
    }

    /// <summary>Sends a case of the table over a fresh connection, as its first request or after another: the answer's status and head.</summary>
    private static async Task<(int Status, string Head)> UpgradeAsync(ChatServer node, string @case, string user, bool afterAnotherRequest)
    {
        var token = await node.TokenAsync(user);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.BaseUri.Host, node.BaseUri.Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        if (afterAnotherRequest)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {node.BaseUri.Authority}\r\n\r\n"), timeout.Token);
            await RawHttp.ReadResponseAsync(stream, timeout.Token);
        }

        await stream.WriteAsync(UpgradeHeadCases.Request(@case, node.BaseUri.Authority, token), timeout.Token);
        return await RawHttp.ReadResponseAsync(stream, timeout.Token);
    }
}
