using System.Net.WebSockets;
using Chattorum.ChatApi.Hubs;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Connections;

/// <summary>What a client's frames do. Runs on the reader loop only, which owns this state.</summary>
public sealed partial class ChatClient
{
    private readonly HashSet<string> _rooms = new(StringComparer.Ordinal);
    private readonly ServerFrameWriter _replies = new();
    private readonly TokenBucket _rate;
    private int _rateLimitStrikes;

    private void HandleFrame(ReadOnlySpan<byte> utf8)
    {
        var parsed = ClientFrameParser.TryParse(utf8, out var frame, out var error);
        if (!_rate.TryTake())
        {
            _metrics.FrameRateLimited();
            if (++_rateLimitStrikes >= ChatLimits.MaxRateLimitStrikes)
            {
                Close(WebSocketCloseStatus.PolicyViolation, "flooding: too many frames over the rate limit", drain: true);
                return;
            }

            Reply(new FrameError(ErrorCodes.RateLimited, $"slow down: at most {ChatLimits.RatePerSecond} frames a second", parsed ? ClientFrame.Name(frame.Type) : error.Frame, parsed ? frame.Cid : error.Cid));
            return;
        }

        _rateLimitStrikes = 0;
        if (!parsed)
        {
            Reply(error);
            return;
        }

        switch (frame.Type)
        {
            case ClientFrameType.Join:
                Join(frame);
                break;
            case ClientFrameType.Leave:
                Leave(frame);
                break;
            case ClientFrameType.Send:
                Send(frame);
                break;
            case ClientFrameType.Ping:
                Reply(_replies.Pong(frame.Cid));
                break;
        }
    }

    private void Join(in ClientFrame frame)
    {
        var room = frame.Room!;
        if (_rooms.Contains(room))
        {
            Reply(new FrameError(ErrorCodes.AlreadyInRoom, $"already in room '{room}'", "join", frame.Cid));
        }
        else if (_rooms.Count >= ChatLimits.MaxRoomsPerConnection)
        {
            Reply(new FrameError(ErrorCodes.TooManyRooms, $"a connection can be in at most {ChatLimits.MaxRoomsPerConnection} rooms", "join", frame.Cid));
        }
        else
        {
            _rooms.Add(room);
            _hubs.Post(room, new HubCommand(HubCommandKind.Register, this, frame.Cid));
        }
    }

    private void Leave(in ClientFrame frame)
    {
        if (!_rooms.Remove(frame.Room!))
        {
            Reply(new FrameError(ErrorCodes.NotInRoom, $"not in room '{frame.Room}'", "leave", frame.Cid));
            return;
        }

        _hubs.Post(frame.Room!, new HubCommand(HubCommandKind.Leave, this, frame.Cid));
    }

    private void Send(in ClientFrame frame)
    {
        if (!_rooms.Contains(frame.Room!))
        {
            Reply(new FrameError(ErrorCodes.NotInRoom, $"join room '{frame.Room}' before sending to it", "send", frame.Cid));
            return;
        }

        _hubs.Post(frame.Room!, new HubCommand(HubCommandKind.Broadcast, this, frame.Cid, frame.Text));
    }

    private void Reply(in FrameError error)
    {
        _metrics.FrameRejected(error.Code);
        Reply(_replies.Error(error));
    }

    private void Reply(byte[] frame)
    {
        if (TryEnqueue(frame) == EnqueueResult.Full)
        {
            Close(WebSocketCloseStatus.PolicyViolation, "slow consumer: send queue full", drain: false);
            _metrics.SlowConsumerDisconnected();
        }
    }
}
