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
        var (outcome, head) = await ReadHeadAsync(connection.Transport.Input).ConfigureAwait(false);
        switch (outcome)
        {
            case HeadOutcome.NotChat:
                await next(connection).ConfigureAwait(false);
                return;
            case HeadOutcome.Gone:
                return;
        }

        var admission = await AnswerAsync(connection, outcome, head).ConfigureAwait(false);
        if (!admission.IsAdmitted)
        {
            return;
        }

        try
        {
            ChatEndpoint.ConfigureSocket(connection.Features);
            using var socket = WebSocket.CreateFromStream(new TransportStream(connection.Transport), ChatEndpoint.SocketOptions);
            await endpoint.RunAsync(socket, admission.User!, connection.Abort).ConfigureAwait(false);
            if (socket.State != WebSocketState.Closed)
            {
                await EndAsync(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            endpoint.Release();
        }
    }

    /// <summary>
    /// Checks a chat request's head and writes the answer, <c>101</c> or the refusal, under the upgrade's span; an
    /// admitted upgrade holds a connection slot from here on.
    /// </summary>
    private async Task<Admission> AnswerAsync(ConnectionContext connection, HeadOutcome outcome, UpgradeHead? head)
    {
        using var activity = ChatTelemetry.StartUpgrade(connection.RemoteEndPoint);
        var admission = outcome switch
        {
            HeadOutcome.TooLarge => Admission.HeadTooLarge,
            HeadOutcome.Malformed => Admission.Malformed,
            _ => await endpoint.AdmitAsync(head!.Authorization, head.QueryToken, head.Request, head.Origin, head.Host).ConfigureAwait(false),
        };
        endpoint.Answered(admission, ChatEndpoint.ListenerPath, activity);
        try
        {
            await connection.Transport.Output.WriteAsync(admission.IsAdmitted ? UpgradeHead.SwitchingProtocols(head!.Key!) : UpgradeHead.Refusal(admission)).ConfigureAwait(false);
        }
        catch when (admission.IsAdmitted)
        {
            endpoint.Release();
            throw;
        }

        if (!admission.IsAdmitted)
        {
            LogRefused(logger, connection.RemoteEndPoint?.ToString(), admission.Status, admission.Reason);
        }

        return admission;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "A chat upgrade from {Client} was refused below HTTP with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? client, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A connection sent no whole request head within {Seconds} s; dropped")]
    private static partial void LogHandshakeTimedOut(ILogger logger, double seconds);
}
