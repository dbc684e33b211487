using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Chattorum.Tests.Integration.Connections;

/// <summary>
/// Every case of <see cref="UpgradeHeadCases"/> sent as raw bytes over a real socket to both upgrade paths: as a
/// connection's first request (the listener below HTTP) and after a plain request on the same connection (Kestrel's
/// HTTP pipeline). Both must give the case its status, the same one, and close the connection after a refusal; a
/// 426 names the version the node speaks.
/// </summary>
public sealed class UpgradeHeadCaseTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    public const string Listener = "listener below HTTP";
    public const string Http = "Kestrel's HTTP pipeline";

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in UpgradeHeadCases.Names)
        {
            data.Add(Listener, name);
            data.Add(Http, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Both_upgrade_paths_give_every_head_its_status(string path, string name)
    {
        var server = fixture.Server;
        var token = await server.TokenAsync("head_case_user");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        if (path == Http)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: {server.BaseUri.Authority}\r\n\r\n"), timeout.Token);
            var (health, _) = await RawHttp.ReadResponseAsync(stream, timeout.Token);
            Assert.Equal(200, health);
        }

        await stream.WriteAsync(UpgradeHeadCases.Request(name, server.BaseUri.Authority, token), timeout.Token);
        var (status, head) = await RawHttp.ReadResponseAsync(stream, timeout.Token);

        Assert.True(UpgradeHeadCases.Status(name) == status, $"{name} on the {path}: answered {head}");
        if (status == 426)
        {
            Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", head, StringComparison.OrdinalIgnoreCase);
        }

        if (status != 101)
        {
            Assert.True(await RawHttp.IsClosedAsync(stream, timeout.Token), $"{name} on the {path}: the connection stayed open after {head}");
        }
    }

    [Fact]
    public async Task Below_HTTP_each_answer_has_its_span_and_is_counted()
    {
        var server = fixture.Server;
        using var upgrades = new MetricCollector<long>(server.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.upgrades");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var port = ((IPEndPoint)tcp.Client.LocalEndPoint!).Port;

        // Other tests' upgrades come from other ports.
        var stopped = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChatTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "GET /ws" && Equals(activity.GetTagItem("client.port"), port))
                {
                    stopped.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await stream.WriteAsync(UpgradeHeadCases.Request("Sec-WebSocket-Version 8", server.BaseUri.Authority, await server.TokenAsync("head_case_user")), timeout.Token);
        Assert.Equal(426, (await RawHttp.ReadResponseAsync(stream, timeout.Token)).Status);

        var span = await stopped.Task.WaitAsync(timeout.Token);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(426, span.GetTagItem("http.response.status_code"));
        Assert.Equal("unsupported_version", span.GetTagItem("error.type"));
        Assert.Equal(ChatEndpoint.ListenerPath, span.GetTagItem("chat.upgrade.path"));
        Assert.Contains(upgrades.GetMeasurementSnapshot(), m =>
            Equals(m.Tags["http.response.status_code"], 426) && Equals(m.Tags["chat.upgrade.path"], ChatEndpoint.ListenerPath) && Equals(m.Tags["error.type"], "unsupported_version"));
    }
}
