using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Chattorum.ChatApi.Accounts;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>One Redis, and a node on it in each environment that changes how bad requests are answered.</summary>
public sealed class AuthEnvironmentsFixture : IAsyncLifetime
{
    private RedisServer? _redis;
    private readonly Dictionary<string, ChatServer> _servers = [];

    public ChatServer this[string environment] => _servers[environment];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        foreach (var environment in new[] { "Development", "Production" })
        {
            _servers[environment] = await ChatServer.StartAsync(_redis, "--environment", environment);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>
/// The bodies of <c>/api/auth/*</c>: capped at <see cref="AuthEndpoints.MaxBodyBytes"/> and answered 413 without
/// reading on, and anything that is not a JSON object of credentials answered with a JSON 400, in Development as
/// in Production: never the developer exception page.
/// </summary>
public class AuthBodyTests(AuthEnvironmentsFixture nodes) : IClassFixture<AuthEnvironmentsFixture>
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long Kestrel reads an unread body after the answer, to keep the connection (not configurable).</summary>
    private static readonly TimeSpan KestrelDrainTimeout = TimeSpan.FromSeconds(5);

    public static TheoryData<string, string, string> OversizedRequests()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var environment in new[] { "Development", "Production" })
        {
            foreach (var path in new[] { "/api/auth/login", "/api/auth/register" })
            {
                // Announced as 2 MiB: the head alone, or the head and the first 16 KiB.
                data.Add(environment, path, "content-length, head only");
                data.Add(environment, path, "content-length, 16 KiB sent");

                // Chunked, so the size is unknown until read: 16 KiB of chunks, and no last chunk.
                data.Add(environment, path, "chunked, 16 KiB sent");
            }
        }

        return data;
    }

    /// <summary>
    /// The client sends only the start of a 2 MiB body and then waits: the answer has to come anyway, so the
    /// server cannot have waited for (let alone read) the rest. Once answered, the connection is closed: the
    /// rest of the body cannot be sent.
    /// </summary>
    [Theory]
    [MemberData(nameof(OversizedRequests))]
    public async Task A_body_over_the_cap_is_answered_413_before_the_client_has_sent_it(string environment, string path, string how)
    {
        var server = nodes[environment];
        const int announced = 2 * 1024 * 1024;
        var prefix = Encoding.ASCII.GetBytes("{\"username\":\"" + new string('a', 16 * 1024) + "\"");
        var chunked = how.StartsWith("chunked", StringComparison.Ordinal);
        var head = $"POST {path} HTTP/1.1\r\nHost: {server.BaseUri.Authority}\r\nContent-Type: application/json\r\n" +
            (chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {announced}\r\n") + "\r\n";

        // The head and what is sent of the body go in one write, which the socket's send buffer takes whole: the server
        // may answer and close as soon as it has read enough to know (after the head, or a few chunks), and a later
        // write of ours would then fail with a broken pipe (seen once in CI) before the answer is read.
        using var request = new MemoryStream();
        request.Write(Encoding.ASCII.GetBytes(head));
        if (how.EndsWith("16 KiB sent", StringComparison.Ordinal))
        {
            if (chunked)
            {
                foreach (var piece in prefix.Chunk(1024))
                {
                    request.Write(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"));
                    request.Write(piece);
                    request.Write("\r\n"u8);
                }
            }
            else
            {
                request.Write(prefix);
            }
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseUri.Host, server.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request.ToArray());

        var response = await RawResponse.ReadAsync(stream, AnswerTimeout);
        Assert.True(HttpStatusCode.RequestEntityTooLarge == response.Status, $"{response.Status}: {response.Body}");
        Assert.StartsWith("application/json", response.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("too_large", JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetString());
        Assert.Equal("close", response.Header("Connection"));

        // The server closes the connection at once, rather than read on: Kestrel drains an unread body for up to
        // 5 s to reuse a connection, and no body is coming here, so a close within that time is one without reading.
        var answered = System.Diagnostics.Stopwatch.StartNew();
        using (var deadline = new CancellationTokenSource(AnswerTimeout))
        {
            try
            {
                Assert.Equal(0, await stream.ReadAsync(new byte[1024], deadline.Token));
            }
            catch (IOException)
            {
                // Reset rather than closed: closed all the same.
            }
        }

        Assert.True(answered.Elapsed < KestrelDrainTimeout, $"closed after {answered.Elapsed}");

        // What is left of the 2 MiB cannot be delivered: the connection is gone.
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            var rest = new byte[64 * 1024];
            for (var sent = 0; sent < announced; sent += rest.Length)
            {
                await stream.WriteAsync(rest);
            }
        });

        // And the node is still there (a request the login limits do not count, as the cases of this class share them).
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var after = await http.PostAsJsonAsync(path, new { });
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive")).StatusCode);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task A_body_at_the_cap_is_read(string environment)
    {
        using var http = new HttpClient { BaseAddress = nodes[environment].BaseUri };
        var json = """{"username":"nobody_cap","password":"whatever123","padding":""" + "\"";
        json += new string('x', AuthEndpoints.MaxBodyBytes - json.Length - 2) + "\"}";
        Assert.Equal(AuthEndpoints.MaxBodyBytes, Encoding.UTF8.GetByteCount(json));
        var response = await http.PostAsync("/api/auth/login", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var over = await http.PostAsync("/api/auth/login", new StringContent(json + " ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
    }

    public static TheoryData<string, string, string, string, string?> MalformedBodies()
    {
        (string Case, string Body, string? ContentType)[] bodies =
        [
            ("truncated", """{"username":"alice","password":"long enou""", "application/json"),
            ("truncated after a comma", """{"username":"alice",""", "application/json"),
            ("not json", "username=alice&password=long+enough", "application/json"),
            ("empty", "", "application/json"),
            ("an array", """["alice","long enough"]""", "application/json"),
            ("null", "null", "application/json"),
            ("a string", "\"alice\"", "application/json"),
            ("trailing content", """{"username":"alice","password":"long enough"} {}""", "application/json"),
            ("a number for a name", """{"username":5,"password":"long enough"}""", "application/json"),
            ("an object for a password", """{"username":"alice","password":{"a":1}}""", "application/json"),
            ("an array for a password", """{"username":"alice","password":["long enough"]}""", "application/json"),
            ("true for a name", """{"username":true,"password":"long enough"}""", "application/json"),
            ("missing fields", "{}", "application/json"),
            ("a missing password", """{"username":"alice"}""", "application/json"),
            ("null fields", """{"username":null,"password":null}""", "application/json"),
            ("a bad escape", """{"username":"al\ice","password":"long enough"}""", "application/json"),
            ("text/plain", """{"username":"alice","password":"long enough"}""", "text/plain"),
            ("a form", "username=alice&password=long+enough", "application/x-www-form-urlencoded"),
            ("no content type", """{"username":"alice","password":"long enough"}""", null),
        ];

        var data = new TheoryData<string, string, string, string, string?>();
        foreach (var environment in new[] { "Development", "Production" })
        {
            foreach (var path in new[] { "/api/auth/login", "/api/auth/register" })
            {
                foreach (var (name, body, type) in bodies)
                {
                    data.Add(environment, path, name, body, type);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_body_is_a_json_400_in_every_environment(string environment, string path, string why, string body, string? contentType)
    {
        using var http = new HttpClient { BaseAddress = nodes[environment].BaseUri };
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{why}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetString()), why);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), why);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task Invalid_utf8_is_a_json_400(string environment)
    {
        using var http = new HttpClient { BaseAddress = nodes[environment].BaseUri };
        byte[] body = [.. """{"username":"al"""u8, 0xff, 0xfe, .. """ice","password":"long enough"}"""u8];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await http.PostAsync("/api/auth/login", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("Development", "application/json; charset=utf-8", "body_dev_utf8")]
    [InlineData("Production", "application/json; charset=utf-8", "body_prod_utf8")]
    [InlineData("Production", "application/json", "body_prod_plain")]
    [InlineData("Production", "application/vnd.chattorum+json", "body_prod_suffix")]
    public async Task Well_formed_credentials_are_still_read(string environment, string contentType, string name)
    {
        using var http = new HttpClient { BaseAddress = nodes[environment].BaseUri };
        var content = new StringContent($$"""{"username":"{{name}}","password":"long enough"}""");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await http.PostAsync("/api/auth/register", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(name, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());
    }
}

/// <summary>An HTTP/1.1 response read off a raw connection, up to the end of its body.</summary>
internal sealed record RawResponse(HttpStatusCode Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Reads the head, then the body as its headers frame it (length, chunks, or up to the close).</summary>
    public static async Task<RawResponse> ReadAsync(Stream stream, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOf(received.GetBuffer().AsSpan(0, (int)received.Length), "\r\n\r\n"u8)) < 0)
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0, $"the connection closed before a response head: {Encoding.ASCII.GetString(received.ToArray())}");
            received.Write(buffer, 0, read);
        }

        var lines = Encoding.ASCII.GetString(received.GetBuffer(), 0, headEnd).Split("\r\n");
        var status = (HttpStatusCode)int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(line => line.Split(':', 2)).Select(parts => (parts[0].Trim(), parts[1].Trim())).ToList();
        var response = new RawResponse(status, headers, "");
        var rest = new MemoryStream();
        rest.Write(received.GetBuffer(), headEnd + 4, (int)received.Length - headEnd - 4);

        async Task<bool> MoreAsync()
        {
            var read = await stream.ReadAsync(buffer, deadline.Token);
            rest.Write(buffer, 0, read);
            return read > 0;
        }

        if (response.Header("Content-Length") is { } length)
        {
            while (rest.Length < long.Parse(length, System.Globalization.CultureInfo.InvariantCulture) && await MoreAsync())
            {
            }

            return response with { Body = Encoding.UTF8.GetString(rest.ToArray()) };
        }

        if (string.Equals(response.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (IndexOf(rest.GetBuffer().AsSpan(0, (int)rest.Length), "0\r\n\r\n"u8) < 0 && await MoreAsync())
            {
            }

            return response with { Body = Dechunk(rest.ToArray()) };
        }

        while (await MoreAsync())
        {
        }

        return response with { Body = Encoding.UTF8.GetString(rest.ToArray()) };
    }

    private static string Dechunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = IndexOf(chunked.AsSpan(at), "\r\n"u8) + at;
            var size = int.Parse(Encoding.ASCII.GetString(chunked, at, lineEnd - at).Split(';')[0], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return Encoding.UTF8.GetString(body.ToArray());
            }

            body.Write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    private static int IndexOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> value) => data.IndexOf(value);
}
