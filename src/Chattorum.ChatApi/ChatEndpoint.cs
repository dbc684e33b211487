using System.Net.WebSockets;
using Chattorum.ChatApi.Accounts;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;
using Chattorum.ChatApi.Upgrade;

namespace Chattorum.ChatApi;

/// <summary>What the checks of an upgrade decided: the user, or the status and reason of the refusal.</summary>
/// <param name="Error">The refusal's cause, short and stable (the <c>error.type</c> of its metric and span).</param>
/// <param name="RetryAfter">When a refused client may try again, if the refusal says so.</param>
public readonly record struct Admission(string? User, int Status, string Reason, string? Error = null, TimeSpan? RetryAfter = null)
{
    public bool IsAdmitted => User is not null;

    /// <summary>A head that RFC 9110 or 9112 says to refuse (the listener's answer; Kestrel's, on the HTTP path).</summary>
    public static Admission Malformed { get; } = Refused(StatusCodes.Status400BadRequest, "malformed_request", "malformed request");

    public static Admission HeadTooLarge { get; } = Refused(StatusCodes.Status431RequestHeaderFieldsTooLarge, "head_too_large", "request head too large");

    public static Admission Refused(int status, string error, string reason, TimeSpan? retryAfter = null) => new(null, status, reason, error, retryAfter);

    /// <summary>The fields a refusal carries besides its body, on both paths.</summary>
    public IEnumerable<KeyValuePair<string, string>> Fields()
    {
        if (Status == StatusCodes.Status401Unauthorized)
        {
            yield return new("WWW-Authenticate", "Bearer");
        }

        if (Status == StatusCodes.Status426UpgradeRequired)
        {
            // RFC 6455 §4.4: the versions the server speaks.
            yield return new("Sec-WebSocket-Version", WebSocketHandshake.Version);
        }

        if (RetryAfter is { } retryAfter)
        {
            yield return new("Retry-After", ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>
/// <c>GET /ws</c> with a bearer token: checks the request, upgrades it and runs the connection. Most connections
/// come through <see cref="ChatListener"/>, which does the upgrade below the HTTP layer; a <c>/ws</c> request that
/// is not the first on its connection (or arrives over TLS, or every one with <c>Chat:UpgradeBelowHttp</c> off)
/// comes through <see cref="HandleAsync"/>. Both make the same checks, in the same order, with the same answers
/// (<see cref="AdmitAsync"/>), and both close the connection after a refusal.
/// </summary>
public sealed class ChatEndpoint(
    TokenService tokens,
    OriginPolicy origins,
    ChatServices services,
    ConnectionLimit limit,
    IHostApplicationLifetime lifetime)
{
    public const string Path = "/ws";

    /// <summary>Browsers cannot set headers on a WebSocket upgrade: they pass the token in the query.</summary>
    public const string TokenQueryParameter = "access_token";

    public static WebSocketCreationOptions SocketOptions { get; } = new()
    {
        IsServer = true,
        KeepAliveInterval = ChatLimits.KeepAliveInterval,
        KeepAliveTimeout = ChatLimits.KeepAliveTimeout,
    };

    /// <summary>The <c>chat.upgrade.path</c> of an upgrade below HTTP (<see cref="ChatListener"/>).</summary>
    public const string ListenerPath = "listener";

    /// <summary>The <c>chat.upgrade.path</c> of an upgrade through Kestrel's HTTP pipeline (<see cref="HandleAsync"/>).</summary>
    public const string HttpPath = "http";

    /// <summary>
    /// The checks of an upgrade whose head is well formed, in order: token (401), WebSocket upgrade (400, or 426 for
    /// another protocol version), origin (403), shutting down (503), a free connection slot (503 with
    /// <c>Retry-After</c>). An admitted upgrade holds a slot until <see cref="Release"/>.
    /// </summary>
    public async Task<Admission> AdmitAsync(string? authorization, string? queryToken, HandshakeRequest request, string? origin, string host)
    {
        var token = BearerToken(authorization) ?? (string.IsNullOrEmpty(queryToken) ? null : queryToken);
        var user = token is null ? null : await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (!Validation.IsValidUserName(user))
        {
            // The name is the token's, never the client's: no valid token, no connection.
            return Admission.Refused(StatusCodes.Status401Unauthorized, "unauthorized", "a valid bearer token is required");
        }

        switch (request)
        {
            case HandshakeRequest.NotWebSocket:
                return Admission.Refused(StatusCodes.Status400BadRequest, "not_websocket", "this endpoint takes WebSocket upgrades only");
            case HandshakeRequest.UnsupportedVersion:
                return Admission.Refused(StatusCodes.Status426UpgradeRequired, "unsupported_version", $"this endpoint speaks WebSocket version {WebSocketHandshake.Version} only");
        }

        if (!origins.IsAllowed(origin, host))
        {
            return Admission.Refused(StatusCodes.Status403Forbidden, "forbidden_origin", "this origin may not open a chat connection");
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Admission.Refused(StatusCodes.Status503ServiceUnavailable, "shutting_down", "the server is shutting down");
        }

        if (!limit.TryTake())
        {
            return Admission.Refused(StatusCodes.Status503ServiceUnavailable, "connection_limit", "this node has as many connections as it takes", ChatLimits.ConnectionLimitRetryAfter);
        }

        return new Admission(user, StatusCodes.Status101SwitchingProtocols, "");
    }

    /// <summary>Gives back the slot of an admitted upgrade, once its connection has ended (or never started).</summary>
    public void Release() => limit.Release();

    /// <summary>Counts an answer to an upgrade (<c>chat.upgrades</c>) and puts it on the upgrade's span, if any.</summary>
    public void Answered(Admission admission, string path, System.Diagnostics.Activity? activity = null)
    {
        services.Metrics.UpgradeAnswered(admission.Status, path, admission.Error);
        ChatTelemetry.Answered(activity, admission.Status, admission.Error);
    }

    /// <summary>Runs an accepted connection until it closes; <paramref name="abortTransport"/> cuts it under the WebSocket.</summary>
    public Task RunAsync(WebSocket socket, string user, Action abortTransport) => new ChatClient(socket, user, services, abortTransport).RunAsync();

    /// <summary>
    /// Sets up an accepted chat socket: a fixed, modest send buffer (<see cref="ChatLimits.SocketSendBufferBytes"/>), so
    /// that a client that stops reading blocks our writes within a second instead of after megabytes of auto-tuned
    /// buffer; and, on Linux, TCP_USER_TIMEOUT (<see cref="ChatLimits.TcpUserTimeout"/>), so that the kernel drops a dead
    /// peer without a timer of ours.
    /// </summary>
    public static void ConfigureSocket(IFeatureCollection features)
    {
        if (features.Get<IConnectionSocketFeature>()?.Socket is not { } socket)
        {
            return;
        }

        try
        {
            ConfigureSocket(socket);
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The peer is already gone: the WebSocket will find out at once.
        }
    }

    /// <summary>Linux's TCP_USER_TIMEOUT option (netinet/tcp.h), on level IPPROTO_TCP.</summary>
    internal const int TcpUserTimeoutOption = 18;

    internal static void ConfigureSocket(System.Net.Sockets.Socket socket)
    {
        socket.SendBufferSize = ChatLimits.SocketSendBufferBytes;
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption((int)System.Net.Sockets.ProtocolType.Tcp, TcpUserTimeoutOption, BitConverter.GetBytes((int)ChatLimits.TcpUserTimeout.TotalMilliseconds));
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        var admission = Admission.Malformed;
        if (HasNoBodyAndTokenNames(headers))
        {
            var handshake = HttpProtocol.IsHttp11(request.Protocol)
                ? WebSocketHandshake.Check(headers.Upgrade.ToString(), headers.Connection.ToString(), headers.SecWebSocketVersion.ToString(), headers.SecWebSocketKey.ToString())
                : HandshakeRequest.WebSocket;
            if (handshake == HandshakeRequest.WebSocket && !context.WebSockets.IsWebSocketRequest)
            {
                handshake = HandshakeRequest.NotWebSocket;
            }

            admission = await AdmitAsync(
                headers.Authorization.ToString(),
                request.Query[TokenQueryParameter] is { Count: 1 } query ? query[0] : null,
                handshake,
                headers.Origin.ToString(),
                request.Host.Value ?? "").ConfigureAwait(false);
        }

        Answered(admission, HttpPath);
        if (!admission.IsAdmitted)
        {
            context.Response.StatusCode = admission.Status;
            foreach (var (name, value) in admission.Fields())
            {
                context.Response.Headers[name] = value;
            }

            if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
            {
                // As below HTTP: a refused upgrade ends its connection.
                context.Response.Headers.Connection = "close";
            }

            await context.Response.WriteAsync(admission.Reason, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = SocketOptions.KeepAliveInterval,
                KeepAliveTimeout = SocketOptions.KeepAliveTimeout,
            }).ConfigureAwait(false);

            // The handshake is done: the request's headers (the token among them) would otherwise stay in memory for
            // as long as the connection lives.
            request.Headers.Clear();
            ConfigureSocket(context.Features);
            await RunAsync(socket, admission.User!, context.Abort).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// What the listener refuses in a head and Kestrel lets through: a body on the upgrade (<c>Content-Length</c>, even
    /// 0, or <c>Transfer-Encoding</c>), and a field name that is not a token (RFC 9110 §5.1).
    /// </summary>
    private static bool HasNoBodyAndTokenNames(IHeaderDictionary headers)
    {
        if (headers.ContentLength is not null || headers.TransferEncoding.Count > 0)
        {
            return false;
        }

        foreach (var name in headers.Keys)
        {
            if (!UpgradeHead.IsToken(name))
            {
                return false;
            }
        }

        return true;
    }

    private static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
}
