using System.Net;
using System.Net.WebSockets;
using Chattorum.Tests.Support;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Hubs;
using Chattorum.Tests.Integration.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.EndToEnd;

public class ConnectionLifecycleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Disconnects_of_every_kind_leave_no_member_and_no_hub_behind()
    {
        await using var server = await ChatServer.StartAsync();
        var hubs = server.Get<RoomHubs>();
        var clients = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => ConnectAsync(server, $"churn{i:00}")));
        await Task.WhenAll(clients.Select(c => c.JoinAsync("churn")));
        Assert.True(hubs.TryGet("churn", out var hub));

        // A third close politely, a third vanish without a close frame, a third stay.
        await Task.WhenAll(clients[..10].Select(c => c.CloseAsync()));
        foreach (var client in clients[10..20])
        {
            client.Abort();
        }

        await using var late = await ConnectAsync(server, "late");
        var stayers = clients[20..].Select(c => c.Name).Append("late").Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            // The leavers' unregistrations race the late join: join again until they have all landed.
            var joined = await late.JoinAsync("churn");
            var members = joined.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal).ToList();
            if (members.SequenceEqual(stayers))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"members still listed: {string.Join(",", members.Except(stayers))}");
            await late.SendAsync(new { type = "leave", room = "churn" });
            await late.WaitForAsync(f => Type(f) == "left");
        }

        await late.CloseAsync();
        await Task.WhenAll(clients[20..].Select(c => c.CloseAsync()));
        await hub!.Completion.WaitAsync(Timeout);
        Assert.False(hubs.TryGet("churn", out _));
        Assert.Equal(0, hubs.Count);
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_never_answers_a_close_is_cut_off_and_forgotten(bool afterAnotherRequest)
    {
        await using var server = await ChatServer.StartAsync();
        var connections = server.Get<ChatConnections>();
        await using var client = await ConnectRawAsync(server, "deaf", afterAnotherRequest);
        Assert.Equal(1, connections.Count);

        // A frame over the limit: the server closes with 1009 and waits for an answer that never comes, as the
        // client reads nothing more. The close deadline aborts the socket, and the connection ends for good
        // (the reader of an aborted socket once waited below HTTP for as long as the peer kept the connection).
        client.PauseReading();
        await client.SendTextAsync(new string('x', Chattorum.ChatApi.ChatLimits.MaxFrameBytes + 1));
        await Eventually.EqualAsync(0, () => Task.FromResult(connections.Count));

        client.ResumeReading();
        var (status, _) = await client.WaitClosedAsync();
        Assert.True(status is null or WebSocketCloseStatus.MessageTooBig, $"closed with {status}");
    }

    [Fact]
    public async Task Shutdown_flushes_queued_messages_then_closes_with_1001()
    {
        var server = await ChatServer.StartAsync();
        var connections = server.Get<ChatConnections>();
        await using var alice = await ConnectAsync(server, "alice_bye");
        await using var bob = await ConnectAsync(server, "bob_bye");
        await alice.JoinAsync("bye");
        await bob.JoinAsync("bye");
        for (var i = 0; i < 10; i++)
        {
            await alice.SendMessageAsync("bye", $"last words {i}");
        }

        // Once alice has her own copy of the last one, bob's copy is queued too.
        await alice.WaitForAsync(f => Type(f) == "message" && f.GetProperty("text").GetString() == "last words 9");
        await server.DisposeAsync().AsTask().WaitAsync(Timeout);

        var (status, reason) = await bob.WaitClosedAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Contains("shutting down", reason, StringComparison.Ordinal);
        var texts = bob.Drain().Where(f => Type(f) == "message").Select(f => f.GetProperty("text").GetString());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"last words {i}"), texts);
        Assert.Equal(0, connections.Count);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("SELF", true)]
    [InlineData("https://chat.example.com", true)]
    [InlineData("http://evil.example", false)]
    [InlineData("http://chat.example.com", false)]
    [InlineData("null", false)]
    public async Task Only_allowed_origins_may_upgrade(string? origin, bool allowed)
    {
        await using var server = await ChatServer.StartAsync("--Chat:AllowedOrigins:0", "https://chat.example.com");
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {await server.TokenAsync("origin_user")}");
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin == "SELF" ? $"http://{server.BaseUri.Authority}" : origin);
        }

        using var timeout = new CancellationTokenSource(Timeout);
        if (allowed)
        {
            await socket.ConnectAsync(server.WebSocketUri(), timeout.Token);
            Assert.Equal(WebSocketState.Open, socket.State);
        }
        else
        {
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(), timeout.Token));
            Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task A_plain_request_to_the_socket_endpoint_is_refused_and_health_answers()
    {
        await using var server = await ChatServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/ws", UriKind.Relative))).StatusCode);

        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/ws");
        authorized.Headers.Authorization = new("Bearer", await server.TokenAsync("plain_http"));
        var plain = await http.SendAsync(authorized);
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("WebSocket", await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/alive", UriKind.Relative))).StatusCode);
    }
}
