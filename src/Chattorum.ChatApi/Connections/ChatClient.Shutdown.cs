using System.Net.WebSockets;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Connections;

/// <summary>
/// The goodbye of a node that is shutting down: the reader handles no new frame (each one it reads is refused with
/// <c>unavailable</c>, in its turn), the sends already handed to Redis are answered (ack or error), and only then is
/// the connection closed with 1001, after its queue is flushed. What is still unanswered after
/// <see cref="ChatLimits.ShutdownGrace"/> is not waited for: the connection closes, and the client resumes with
/// <c>since</c> to learn whether those sends were stored (docs/protocol.md, Closes).
/// </summary>
public sealed partial class ChatClient
{
    public const string ShuttingDownReason = "server shutting down";

    /// <summary>
    /// Added to the 1001's reason when <see cref="ChatLimits.ShutdownGrace"/> ran out: a send the client had no answer
    /// to may have been stored. Without it, every send the node handled was answered before the close.
    /// </summary>
    public const string GraceOverSuffix = "; unanswered sends may be stored";

    // Orders the refusals the reader chains to _acked against the goodbye's last look at it and its close.
    private readonly Lock _goodbye = new();

    // Set once the node starts shutting down; completed once the reader is not inside a frame it handles.
    private TaskCompletionSource? _stopping;

    // 1 while the reader handles a frame (not a refusal): its sends may still be handed to Redis.
    private int _handling;

    /// <summary>
    /// Starts the goodbye: no new frame is handled; once every send already read is answered (or
    /// <see cref="ChatLimits.ShutdownGrace"/> has passed), the connection closes with 1001 after its queue is
    /// flushed. The first call wins; a connection already closing closes as it was.
    /// </summary>
    public void ShutDown(string reason = ShuttingDownReason)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stopping, stopping, null) is not null)
        {
            return;
        }

        // Either the reader sees _stopping before it handles its next frame, or this sees it handling one (both
        // are full fences): no frame slips between them.
        if (Volatile.Read(ref _handling) == 0)
        {
            stopping.TrySetResult();
        }

        _ = SayGoodbyeAsync(stopping.Task, reason);
    }

    /// <summary>
    /// Handles a frame the reader read, unless the node is shutting down: then the frame is refused instead. The
    /// goodbye waits for a frame being handled (a send handed to Redis, a join) before it looks at the answers owed.
    /// </summary>
    private ValueTask HandleOrRefuseAsync(ReadOnlySpan<byte> utf8)
    {
        Interlocked.Exchange(ref _handling, 1);
        if (Volatile.Read(ref _stopping) is not null)
        {
            EndHandling();
            RefuseWhileStopping(utf8);
            return ValueTask.CompletedTask;
        }

        ValueTask handling;
        try
        {
            handling = HandleFrameAsync(utf8);
        }
        catch
        {
            EndHandling();
            throw;
        }

        if (handling.IsCompletedSuccessfully)
        {
            EndHandling();
            return handling;
        }

        return EndHandlingAfterAsync(handling);
    }

    private async ValueTask EndHandlingAfterAsync(ValueTask handling)
    {
        try
        {
            await handling.ConfigureAwait(false);
        }
        finally
        {
            EndHandling();
        }
    }

    private void EndHandling()
    {
        Interlocked.Exchange(ref _handling, 0);
        Volatile.Read(ref _stopping)?.TrySetResult();
    }

    /// <summary>
    /// A frame read after the goodbye started is not handled: it is answered <c>unavailable</c> (or with its parse
    /// error), after the answers to the sends before it, like every answer to a frame. Only a frame read once the
    /// close has begun goes unanswered: nothing can follow the close frame.
    /// </summary>
    private void RefuseWhileStopping(ReadOnlySpan<byte> utf8)
    {
        lock (_goodbye)
        {
            if (IsClosed)
            {
                return;
            }

            var reply = ClientFrameParser.TryParse(utf8, _services.Options.MaxTextLength, out var frame, out var error)
                ? Rejection(new FrameError(ErrorCodes.Unavailable, "the server is shutting down: this frame was not handled; reconnect (to any node) and send it again", ClientFrame.Name(frame.Type), frame.Cid))
                : Rejection(error);
            _acked = ReplyAfterAsync(reply, _acked);
        }
    }

    private async Task SayGoodbyeAsync(Task readerOutOfFrame, string reason)
    {
        using var grace = new CancellationTokenSource(ChatLimits.ShutdownGrace, _services.Time);
        await readerOutOfFrame.WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!grace.IsCancellationRequested)
        {
            // The reader handles no frame any more: _acked is the answer to the last frame it read.
            Task answered;
            lock (_goodbye)
            {
                answered = _acked;
                if (answered.IsCompleted || IsClosed)
                {
                    Close(WebSocketCloseStatus.EndpointUnavailable, reason, drain: true);
                    return;
                }
            }

            await answered.WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        LogGraceExpired(_logger, User, ChatLimits.ShutdownGrace.TotalSeconds);
        Close(WebSocketCloseStatus.EndpointUnavailable, reason + GraceOverSuffix, drain: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing {User} with frames still unanswered: the shutdown grace of {Seconds} s is over; the client resumes with since to learn whether its sends were stored")]
    private static partial void LogGraceExpired(ILogger logger, string user, double seconds);
}
