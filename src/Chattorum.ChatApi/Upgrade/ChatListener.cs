using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;

namespace Chattorum.ChatApi.Upgrade;

/// <summary>
/// Kestrel connection middleware: a connection whose first request is <c>GET /ws</c> is upgraded here, below the
/// HTTP layer, and runs its WebSocket straight on the transport; every other connection goes on to HTTP untouched.
/// An upgraded request otherwise keeps Kestrel's whole HTTP/1.1 connection state (about 8 KB) alive for as long
/// as the chat connection lasts (BENCHMARKS.md). The checks and answers are <see cref="ChatEndpoint"/>'s.
/// </summary>
public sealed partial class ChatListener(ConnectionDelegate next, ChatEndpoint endpoint, ILogger<ChatListener> logger)
{
    public async Task OnConnectedAsync(ConnectionContext connection)
    {
        var head = await ReadHeadAsync(connection.Transport.Input).ConfigureAwait(false);
        switch (head)
        {
            case { Outcome: HeadOutcome.NotChat }:
                await next(connection).ConfigureAwait(false);
                return;
            case { Outcome: HeadOutcome.TooLarge }:
                await connection.Transport.Output.WriteAsync(UpgradeHead.Refusal(StatusCodes.Status431RequestHeaderFieldsTooLarge, "request head too large")).ConfigureAwait(false);
                return;
            case { Outcome: HeadOutcome.Malformed }:
                await connection.Transport.Output.WriteAsync(UpgradeHead.Refusal(StatusCodes.Status400BadRequest, "malformed request")).ConfigureAwait(false);
                return;
            case { Outcome: HeadOutcome.Gone }:
                return;
        }

        var user = await UpgradeAsync(connection.Transport.Output, head.Head!).ConfigureAwait(false);
        if (user is null)
        {
            return;
        }

        ChatEndpoint.ConfigureSocket(connection.Features);
        using var socket = WebSocket.CreateFromStream(new TransportStream(connection.Transport), ChatEndpoint.SocketOptions);
        await endpoint.RunAsync(socket, user, connection.Abort).ConfigureAwait(false);
        if (socket.State != WebSocketState.Closed)
        {
            await EndAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A WebSocket that did not finish its close handshake (it failed the peer with 1007, say, or the peer went
    /// quiet): what is queued (a close frame) still goes out, then the connection ends; a peer that does not
    /// take it within the close timeout is cut off, so that it cannot hold the connection open by not reading.
    /// </summary>
    private static async Task EndAsync(ConnectionContext connection)
    {
        await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        try
        {
            await Task.Delay(ChatLimits.CloseTimeout, connection.ConnectionClosed).ConfigureAwait(false);
            connection.Abort();
        }
        catch (OperationCanceledException)
        {
            // The peer closed its side in time.
        }
    }

    /// <summary>Checks the request and answers it; the user when the upgrade is done.</summary>
    private async Task<string?> UpgradeAsync(PipeWriter output, UpgradeHead head)
    {
        var admission = await endpoint.AdmitAsync(head.Authorization, head.QueryToken, head.IsUpgrade, head.Origin, head.Host).ConfigureAwait(false);
        await output.WriteAsync(admission.IsAdmitted ? UpgradeHead.SwitchingProtocols(head.Key!) : UpgradeHead.Refusal(admission.Status, admission.Reason)).ConfigureAwait(false);
        return admission.User;
    }

    /// <summary>Peeks at the start of the connection and, for the chat endpoint, reads the request's head.</summary>
    private async Task<(HeadOutcome Outcome, UpgradeHead? Head)> ReadHeadAsync(PipeReader input)
    {
        using var deadline = new CancellationTokenSource(ChatLimits.HandshakeTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var isChat = UpgradeHead.IsChatRequest(buffer);
                if (isChat == false)
                {
                    // Not ours: HTTP reads the same bytes from the start.
                    input.AdvanceTo(buffer.Start);
                    return (HeadOutcome.NotChat, null);
                }

                if (isChat == true && UpgradeHead.TryRead(buffer, out var head, out var end))
                {
                    var tooLarge = buffer.Slice(0, end).Length > UpgradeHead.MaxBytes;
                    input.AdvanceTo(end);
                    return tooLarge ? (HeadOutcome.TooLarge, null) : head is null ? (HeadOutcome.Malformed, null) : (HeadOutcome.Read, head);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (buffer.Length > UpgradeHead.MaxBytes)
                {
                    return (HeadOutcome.TooLarge, null);
                }

                if (result.IsCompleted)
                {
                    return (HeadOutcome.Gone, null);
                }
            }
        }
        catch (OperationCanceledException)
        {
            LogHandshakeTimedOut(logger, ChatLimits.HandshakeTimeout.TotalSeconds);
            return (HeadOutcome.Gone, null);
        }
    }

    private enum HeadOutcome
    {
        Read,
        NotChat,
        Malformed,
        TooLarge,
        Gone,
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A connection sent no whole request head within {Seconds} s; dropped")]
    private static partial void LogHandshakeTimedOut(ILogger logger, double seconds);
}
