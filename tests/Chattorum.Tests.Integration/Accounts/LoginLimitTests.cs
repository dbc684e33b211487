using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>
/// The login limits (docs/protocol.md, Accounts): failed logins count per (name, address), per name and per address,
/// successes count nowhere. Clients come from their own loopback addresses (127.0.0.0/8 is all loopback on Linux),
/// which the node sees as their remote addresses, exactly as it would see clients on a network.
/// </summary>
public class LoginLimitTests
{
    /// <summary><paramref name="Times"/> logins as <paramref name="User"/> from <paramref name="From"/>, each answered <paramref name="Expect"/>.</summary>
    public sealed record Attempt(string From, string User, bool RightPassword, int Times, HttpStatusCode Expect)
    {
        public override string ToString() => $"{Times} x {User} from {From} with the {(RightPassword ? "right" : "wrong")} password: {(int)Expect}";
    }

    private const string WrongPassword = "not the password";

    private static Attempt Right(string from, int times, HttpStatusCode expect, string user = "alice") => new(from, user, true, times, expect);

    private static Attempt Wrong(string from, int times, HttpStatusCode expect, string user = "alice") => new(from, user, false, times, expect);

    private const HttpStatusCode Ok = HttpStatusCode.OK;
    private const HttpStatusCode Refused = HttpStatusCode.Unauthorized;
    private const HttpStatusCode Limited = HttpStatusCode.TooManyRequests;

    public static TheoryData<string, string[], Attempt[]> Scenarios() => new()
    {
        {
            "an attacker failing for alice does not lock alice out of her own address",
            [],
            [
                Wrong("127.0.0.2", 10, Refused),
                Wrong("127.0.0.2", 3, Limited),
                Right("127.0.0.2", 1, Limited),
                Right("127.0.0.3", 1, Ok),
                Wrong("127.0.0.3", 1, Refused),
                Right("127.0.0.3", 1, Ok),
            ]
        },
        {
            "successful logins are not counted",
            ["--Auth:LoginFailuresPerUserAndAddress", "3", "--Auth:LoginFailuresPerAddress", "3", "--Auth:LoginFailuresPerUser", "3"],
            [
                Right("127.0.0.2", 12, Ok),
                Wrong("127.0.0.2", 3, Refused),
                Wrong("127.0.0.2", 1, Limited),
            ]
        },
        {
            "the per-name limit stops a guess spread over many addresses, whoever tries next",
            ["--Auth:LoginFailuresPerUser", "5"],
            [
                Wrong("127.0.0.11", 1, Refused),
                Wrong("127.0.0.12", 1, Refused),
                Wrong("127.0.0.13", 1, Refused),
                Wrong("127.0.0.14", 2, Refused),
                Wrong("127.0.0.15", 1, Limited),
                Right("127.0.0.16", 1, Limited),
                Right("127.0.0.16", 1, Ok, user: "bob"),
            ]
        },
        {
            "the per-address limit stops one address trying many names",
            ["--Auth:LoginFailuresPerAddress", "5"],
            [
                Wrong("127.0.0.2", 2, Refused, user: "alice"),
                Wrong("127.0.0.2", 2, Refused, user: "bob"),
                Wrong("127.0.0.2", 1, Refused, user: "nobody_here"),
                Wrong("127.0.0.2", 1, Limited, user: "carol"),
                Right("127.0.0.2", 1, Limited, user: "carol"),
                Right("127.0.0.3", 1, Ok, user: "carol"),
            ]
        },
        {
            "refused attempts count nowhere: hammering past the limit does not use up the name's allowance",
            ["--Auth:LoginFailuresPerUser", "12"],
            [
                Wrong("127.0.0.2", 10, Refused),
                Wrong("127.0.0.2", 25, Limited),
                Wrong("127.0.0.3", 2, Refused),
                Wrong("127.0.0.4", 1, Limited),
            ]
        },
        {
            "behind a proxy, the address it forwards counts, and an IPv6 client counts per /64",
            [ForwardedHeaders, "true"],
            [
                Wrong("203.0.113.5", 10, Refused),
                Wrong("203.0.113.5", 1, Limited),
                Right("198.51.100.7", 1, Ok),
                Wrong("2001:db8:0:1::1", 10, Refused),
                Right("2001:db8:0:1:ffff::2", 1, Limited),
                Right("2001:db8:0:2::1", 1, Ok),
            ]
        },
    };

    /// <summary>
    /// The setting behind <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> (the Kubernetes manifests set it): the node takes
    /// the client's address from <c>X-Forwarded-For</c>. With it, the scenario's clients send their address there.
    /// </summary>
    private const string ForwardedHeaders = "--ForwardedHeaders_Enabled";

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Login_limits(string scenario, string[] settings, Attempt[] attempts)
    {
        await using var server = await ChatServer.StartAsync(settings);
        using (var registrar = new HttpClient { BaseAddress = server.BaseUri })
        {
            foreach (var user in new[] { "alice", "bob", "carol" })
            {
                var registered = await registrar.PostAsJsonAsync("/api/auth/register", new { username = user, password = TestSecrets.Password });
                Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
            }
        }

        var clients = new Dictionary<string, HttpClient>();
        try
        {
            var step = 0;
            foreach (var attempt in attempts)
            {
                step++;
                if (!clients.TryGetValue(attempt.From, out var http))
                {
                    clients[attempt.From] = http = settings.Contains(ForwardedHeaders) ? Forwarding(attempt.From, server.BaseUri) : From(attempt.From, server.BaseUri);
                }

                for (var i = 0; i < attempt.Times; i++)
                {
                    var response = await http.PostAsJsonAsync("/api/auth/login", new { username = attempt.User, password = attempt.RightPassword ? TestSecrets.Password : WrongPassword });
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.True(attempt.Expect == response.StatusCode, $"{scenario}: step {step} ({attempt}), try {i + 1}: {(int)response.StatusCode} {body}");
                    if (response.StatusCode == Limited)
                    {
                        Assert.Equal("rate_limited", body.GetProperty("error").GetString());
                        Assert.True(response.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromMinutes(1), $"Retry-After: {response.Headers.RetryAfter}");
                    }
                }
            }
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// Each attempt takes its failure before the password is checked, so a burst cannot slip past the limit while
    /// its first attempts are still being hashed: of 40 wrong passwords at once, exactly the allowance is checked.
    /// </summary>
    [Fact]
    public async Task Failures_sent_at_once_are_held_to_the_limit_exactly()
    {
        await using var server = await ChatServer.StartAsync();
        using var registrar = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal(HttpStatusCode.Created, (await registrar.PostAsJsonAsync("/api/auth/register", new { username = "alice", password = TestSecrets.Password })).StatusCode);

        using var attacker = From("127.0.0.2", server.BaseUri);
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
            (await attacker.PostAsJsonAsync("/api/auth/login", new { username = "alice", password = WrongPassword })).StatusCode));
        Assert.Equal(10, answers.Count(status => status == Refused));
        Assert.Equal(30, answers.Count(status => status == Limited));

        using var alice = From("127.0.0.3", server.BaseUri);
        Assert.Equal(Ok, (await alice.PostAsJsonAsync("/api/auth/login", new { username = "alice", password = TestSecrets.Password })).StatusCode);
    }

    /// <summary>A client behind a proxy that says it is <paramref name="address"/>.</summary>
    private static HttpClient Forwarding(string address, Uri server)
    {
        var http = new HttpClient { BaseAddress = server };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return http;
    }

    /// <summary>A client whose connections leave from <paramref name="address"/>.</summary>
    private static HttpClient From(string address, Uri server)
    {
        var local = new IPEndPoint(IPAddress.Parse(address), 0);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(local);
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = server };
    }
}
