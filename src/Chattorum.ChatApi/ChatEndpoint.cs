using System.Net.WebSockets;
using Chattorum.ChatApi.Accounts;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Chattorum.ChatApi.Connections;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi;

/// <summary>What the checks of an upgrade decided: the user, or the status and reason of the refusal.</summary>
public readonly record struct Admission(string? User, int Status, string Reason)
{
    public bool IsAdmitted => User is not null;
}

/// <summary>
/// <c>GET /ws</c> with a bearer token: checks the request, upgrades it and runs the connection. Most connections
/// come through <see cref="ChatListener"/>, which does the upgrade below the HTTP layer; a <c>/ws</c> request that
/// is not the first on its connection (or arrives over TLS) comes through <see cref="HandleAsync"/>. Both make the
/// same checks, in the same order, with the same answers.
/// </summary>
public sealed class ChatEndpoint(
    TokenService tokens,
    OriginPolicy origins,
    ChatServices services,
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

    /// <summary>The checks of an upgrade, in order: token (401), upgrade (400), origin (403), shutting down (503).</summary>
    public async Task<Admission> AdmitAsync(string? authorization, string? queryToken, bool isUpgrade, string? origin, string host)
    {
        var token = BearerToken(authorization) ?? (string.IsNullOrEmpty(queryToken) ? null : queryToken);
        var user = token is null ? null : await tokens.ValidateAsync(token).ConfigureAwait(false);
        if (!Validation.IsValidUserName(user))
        {
            // The name is the token's, never the client's: no valid token, no connection.
            return new Admission(null, StatusCodes.Status401Unauthorized, "a valid bearer token is required");
        }

        if (!isUpgrade)
        {
            return new Admission(null, StatusCodes.Status400BadRequest, "this endpoint takes WebSocket upgrades only");
        }

        if (!origins.IsAllowed(origin, host))
        {
            return new Admission(null, StatusCodes.Status403Forbidden, "this origin may not open a chat connection");
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return new Admission(null, StatusCodes.Status503ServiceUnavailable, "the server is shutting down");
        }

        return new Admission(user, StatusCodes.Status101SwitchingProtocols, "");
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
        var admission = await AdmitAsync(
            request.Headers.Authorization.ToString(),
            request.Query[TokenQueryParameter] is { Count: 1 } query ? query[0] : null,
            context.WebSockets.IsWebSocketRequest,
            request.Headers.Origin.ToString(),
            request.Host.Value ?? "").ConfigureAwait(false);
        if (!admission.IsAdmitted)
        {
            context.Response.StatusCode = admission.Status;
            if (admission.Status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await context.Response.WriteAsync(admission.Reason, context.RequestAborted).ConfigureAwait(false);
            return;
        }

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

    private static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : null;
}
