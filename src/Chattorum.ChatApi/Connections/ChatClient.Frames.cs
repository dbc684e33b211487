using System.Net.WebSockets;
using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Commands;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Connections;

/// <summary>What a client's frames do. Runs on the reader loop, which owns this state.</summary>
public sealed partial class ChatClient
{
    private static readonly string FloodingReason =
        $"flooding: over {ChatLimits.MaxRefusedPerFloodWindow} frames refused by the rate limit in {ChatLimits.FloodWindow.TotalSeconds:0} s";

    // At most Chat:MaxRoomsPerConnection (ChatLimits.RoomsPerConnectionRange): a list is smaller than a set, and as quick at that size.
    private readonly List<string> _rooms = [];
    private readonly FrameRateLimit _rate;

    // The last send's ack (or error): each one goes out after the one before it.
    private Task _acked = Task.CompletedTask;

    private ValueTask HandleFrameAsync(ReadOnlySpan<byte> utf8)
    {
        switch (_rate.Check())
        {
            case RateDecision.Flooding:
                _metrics.FrameRateLimited();
                _metrics.FloodingDisconnected();
                Close(WebSocketCloseStatus.PolicyViolation, FloodingReason, drain: true);
                return ValueTask.CompletedTask;
            case RateDecision.RefusedUnanswered:
                // Not even parsed: a flooder costs the node as little as it can.
                _metrics.FrameRateLimited();
                _metrics.FrameUnanswered();
                return ValueTask.CompletedTask;
            case RateDecision.Refused:
                _metrics.FrameRateLimited();
                var known = ClientFrameParser.TryParse(utf8, _services.Options.MaxTextLength, out var refused, out var problem);
                Reply(new FrameError(
                    ErrorCodes.RateLimited,
                    $"slow down: at most {_services.Options.RatePerSecond} frames a second; frames over the limit in the next {ChatLimits.RateLimitedAnswerInterval.TotalSeconds:0} s are dropped without an answer",
                    known ? ClientFrame.Name(refused.Type) : problem.Frame,
                    known ? refused.Cid : problem.Cid));
                return ValueTask.CompletedTask;
        }

        var parsed = ClientFrameParser.TryParse(utf8, _services.Options.MaxTextLength, out var frame, out var error);
        if (!parsed)
        {
            Reply(error);
            return ValueTask.CompletedTask;
        }

        switch (frame.Type)
        {
            case ClientFrameType.Join:
                return JoinAsync(frame);
            case ClientFrameType.Leave:
                Leave(frame);
                break;
            case ClientFrameType.Send when _services.Backlog.IsBehind:
                return HoldThenSendAsync(frame);
            case ClientFrameType.Send:
                using (ChatTelemetry.StartFrame("send", frame.Room))
                {
                    Send(frame);
                }

                break;
            case ClientFrameType.Ping:
                Reply(ServerFrameWriter.Current.Pong(frame.Cid));
                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits for the join to finish, so that the client's next frames find it in the room.</summary>
    private async ValueTask JoinAsync(ClientFrame frame)
    {
        var room = frame.Room!;
        if (_rooms.Contains(room))
        {
            Reply(new FrameError(ErrorCodes.AlreadyInRoom, $"already in room '{room}'", "join", frame.Cid));
            return;
        }

        if (_rooms.Count >= _services.Options.MaxRoomsPerConnection)
        {
            Reply(new FrameError(ErrorCodes.TooManyRooms, $"a connection can be in at most {_services.Options.MaxRoomsPerConnection} rooms", "join", frame.Cid));
            return;
        }

        _rooms.Add(room);
        using var activity = ChatTelemetry.StartFrame("join", room);
        var request = new JoinRequest(frame.Cid, frame.Since, new TaskCompletionSource<JoinOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        _hubs.Post(room, HubCommand.Register(this, request));
        var outcome = await request.Outcome.Task.ConfigureAwait(false);
        if (outcome == JoinOutcome.Joined)
        {
            return;
        }

        _rooms.Remove(room);
        if (outcome == JoinOutcome.Unavailable)
        {
            Reply(new FrameError(ErrorCodes.Unavailable, "the chat store is unreachable; try again shortly", "join", frame.Cid));
        }
    }

    private void Leave(in ClientFrame frame)
    {
        if (!_rooms.Remove(frame.Room!))
        {
            Reply(new FrameError(ErrorCodes.NotInRoom, $"not in room '{frame.Room}'", "leave", frame.Cid));
            return;
        }

        if (!_hubs.PostToExisting(frame.Room!, HubCommand.Leave(this, frame.Cid)))
        {
            // The hub already dropped this connection (and retired): the leave is done.
            Reply(ServerFrameWriter.Current.Left(frame.Room!, frame.Cid));
        }
    }

    /// <summary>
    /// The node is behind: the send waits (and with it this client's reader, so its next frames stay in its
    /// socket) until the node's backlog is down to its low-water mark, then goes on; after
    /// <see cref="ChatLimits.MaxSendHold"/> it is refused with <c>busy</c>.
    /// </summary>
    private async ValueTask HoldThenSendAsync(ClientFrame frame)
    {
        var started = _services.Time.GetTimestamp();
        var drained = _services.Backlog.WhenDrainedAsync();
        try
        {
            await drained.WaitAsync(ChatLimits.MaxSendHold, _services.Time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _metrics.SendHeld(_services.Time.GetElapsedTime(started));

            // After the acks of the sends before it, like every answer to a send.
            _acked = ReplyAfterAsync(Rejection(new FrameError(ErrorCodes.Busy, "the server is busy: the message was not accepted; send it again", "send", frame.Cid)), _acked);
            return;
        }

        _metrics.SendHeld(_services.Time.GetElapsedTime(started));
        if (IsClosed)
        {
            return;
        }

        using (ChatTelemetry.StartFrame("send", frame.Room))
        {
            Send(frame);
        }
    }

    private void Send(in ClientFrame frame)
    {
        if (!_rooms.Contains(frame.Room!))
        {
            Reply(new FrameError(ErrorCodes.NotInRoom, $"join room '{frame.Room}' before sending to it", "send", frame.Cid));
            return;
        }

        var text = frame.Text!;
        if (CommandLine.IsCommand(text))
        {
            if (CommandLine.TryParse(text, out var command, out var problem))
            {
                _ = RunCommandAsync(frame.Room!, command, frame.Cid);
            }
            else
            {
                Reply(new FrameError(ErrorCodes.BadCommand, problem, "send", frame.Cid));
            }

            return;
        }

        // Not awaited: a client's sends go to Redis in the order it sent them, over one connection, and the
        // reader goes on meanwhile. The ack follows once the message is stored, after the acks of earlier sends.
        _acked = PublishAsync(frame.Room!, CommandLine.Unescape(text), frame.Cid, _acked);
    }

    /// <summary>A command is not a chat message: it goes to whichever bot answers its name, and the sender alone hears how it went.</summary>
    private async Task RunCommandAsync(string room, ChatCommand command, string? cid) =>
        Reply(await _services.Commands.SubmitAsync(User, room, command, cid).ConfigureAwait(false));

    private async Task PublishAsync(string room, string text, string? cid, Task earlierAcks)
    {
        byte[] reply;
        try
        {
            var id = await _services.Backplane.PublishAsync(room, User, text).ConfigureAwait(false);
            _metrics.MessageReceived();
            reply = ServerFrameWriter.Current.Ack(room, id, cid);
        }
        catch (UnconfirmedWriteException unconfirmed)
        {
            reply = Rejection(new FrameError(ErrorCodes.Unconfirmed, "the message was stored but no replica confirmed it in time: it may be lost if the store fails now; look for its id before sending it again", "send", cid, unconfirmed.Id));
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            reply = Rejection(new FrameError(ErrorCodes.Unavailable, "the message was not accepted: the chat store is unreachable; send it again", "send", cid));
        }

        // Redis answers in order, but the answers' continuations run in parallel: keep the acks in send order.
        await earlierAcks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Reply(reply);
    }

    private async Task ReplyAfterAsync(byte[] reply, Task earlierAcks)
    {
        await earlierAcks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Reply(reply);
    }

    private void Reply(in FrameError error) => Reply(Rejection(error));

    /// <summary>The error frame for a refused client frame, counted.</summary>
    private byte[] Rejection(in FrameError error)
    {
        _metrics.FrameRejected(error.Code);
        return ServerFrameWriter.Current.Error(error);
    }

    private void Reply(byte[] frame)
    {
        if (TryEnqueue(frame) == EnqueueResult.Full)
        {
            Close(WebSocketCloseStatus.PolicyViolation, QueueLimitReason, drain: false);
            _metrics.SlowConsumerDisconnected();
        }
    }
}
