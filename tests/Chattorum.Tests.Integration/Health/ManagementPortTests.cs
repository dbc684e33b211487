using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Chattorum.ChatApi;
using Chattorum.Tests.Integration.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using HostingDefaults = Microsoft.Extensions.Hosting.Extensions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Health;

/// <summary>
/// <c>Health:Port</c> on a real chat node listening on two ports, as in Kubernetes (<c>ASPNETCORE_HTTP_PORTS=8080;8081</c>):
/// the probes answer on the management port only, whatever the path's spelling or the <c>Host</c> header says; that port
/// answers nothing else, not even a chat upgrade below HTTP; the application's port serves the chat as before.
/// </summary>
public sealed class ManagementPortTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });

    private readonly int managementPort = FreePort.Next();
    private ChatServer? node;

    private ChatServer Node => node ?? throw new InvalidOperationException("not started");

    /// <summary>The node's application port: its address that is not the management port.</summary>
    private Uri AppUri => new(Node.App.Urls.Single(url => new Uri(url).Port != managementPort));

    private Uri ManagementUri => new($"http://127.0.0.1:{managementPort.ToString(CultureInfo.InvariantCulture)}");

    public async Task InitializeAsync() => node = await ChatServer.StartAsync(
        "--urls", $"http://127.0.0.1:0;{ManagementUri}",
        "--Health:Port", managementPort.ToString(CultureInfo.InvariantCulture));

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/HEALTH")]
    [InlineData("/health/")]
    [InlineData("/Alive")]
    public async Task The_probes_answer_on_the_management_port_and_are_not_found_on_the_application_port(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(new Uri(ManagementUri, path))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri(AppUri, path))).StatusCode);
    }

    [Fact]
    public async Task A_Host_header_naming_the_management_port_does_not_reach_the_probes_on_the_application_port()
    {
        // What an Ingress passes on is the client's Host: the check is on the port the connection arrived at.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(AppUri, HostingDefaults.HealthEndpointPath));
        request.Headers.Host = $"127.0.0.1:{managementPort.ToString(CultureInfo.InvariantCulture)}";

        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task The_management_port_serves_nothing_but_the_probes()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(new Uri(ManagementUri, "/"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync(new Uri(ManagementUri, "/api/auth/login"), new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(AppUri)).StatusCode);
    }

    [Fact]
    public async Task The_chat_upgrades_below_HTTP_on_the_application_port_and_not_at_all_on_the_management_port()
    {
        using var upgrades = new MetricCollector<long>(Node.Get<IMeterFactory>(), ChatMetrics.MeterName, "chat.upgrades");
        var app = new ChatEndpointAt(AppUri);

        // A ClientWebSocket's upgrade is its connection's first request: the listener takes it on the application port.
        await using var alice = await ConnectAsync(app, "mgmt_port_alice");
        await alice.JoinAsync("mgmt_port");
        var cid = await alice.SendMessageAsync("mgmt_port", "over the application port");
        Assert.Equal("ack", Type(await alice.ReplyToAsync(cid)));
        var admitted = Assert.Single(upgrades.GetMeasurementSnapshot());
        Assert.Equal((101, ChatEndpoint.ListenerPath), ((int)admitted.Tags["http.response.status_code"]!, (string)admitted.Tags["chat.upgrade.path"]!));

        // The same valid upgrade, as the first request on a connection to the management port: neither path takes it.
        var token = await app.TokenAsync("mgmt_port_alice");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, managementPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET {ChatEndpoint.Path} HTTP/1.1\r\nHost: {ManagementUri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer {token}\r\n\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (status, _) = await RawHttp.ReadResponseAsync(stream, timeout.Token);

        Assert.Equal(404, status);
        Assert.Single(upgrades.GetMeasurementSnapshot());
    }
}

/// <summary>The setting's checks: a bad value stops the start naming it; a port nobody listens on stops the node.</summary>
public sealed class ManagementPortSettingTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("65536")]
    [InlineData("80 80")]
    public void A_value_that_is_not_a_port_stops_the_build_naming_the_setting(string value)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => ChatApplication.Build(["--Health:Port", value]));

        Assert.Contains(ManagementPort.ConfigurationKey, exception.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_management_port_the_server_does_not_listen_on_stops_the_node()
    {
        await using var node = await ChatServer.StartAsync("--Health:Port", FreePort.Next().ToString(CultureInfo.InvariantCulture));

        // ApplicationStarted's callbacks run inside StartAsync: the stop is already requested.
        Assert.True(node.App.Lifetime.ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Without_the_setting_the_probes_answer_on_the_one_port()
    {
        await using var node = await ChatServer.StartAsync();
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(node.BaseUri, HostingDefaults.HealthEndpointPath))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(node.BaseUri, HostingDefaults.AlivenessEndpointPath))).StatusCode);
    }
}
