using System.Net.WebSockets;
using System.Threading.Channels;
using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Hubs;

/// <summary>
/// One room, one loop. The loop alone owns the member set and the room's message order; everything
/// else talks to it through <see cref="TryPost"/>. It starts on the first join and retires when the
/// room is empty and nothing is queued, leaving no task or timer behind.
/// </summary>
public sealed partial class RoomHub
{
    private readonly Channel<HubCommand> _commands = Channel.CreateUnbounded<HubCommand>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private readonly HashSet<IRoomMember> _members = [];
    private readonly Dictionary<string, int> _connectionsPerUser = new(StringComparer.Ordinal);
    private readonly List<IRoomMember> _evicted = [];
    private readonly ServerFrameWriter _frames = new();
    private readonly RoomHubs _owner;
    private readonly ILogger _logger;
    private Task _loop = Task.CompletedTask;
    private int _started;

    // Commands posted and not yet handled, or -1 once retired: a post and the retirement can't cross.
    private int _pending;
    private long _lastMilliseconds;
    private long _sequence;

    internal RoomHub(string room, RoomHubs owner, ILogger logger)
    {
        Room = room;
        _owner = owner;
        _logger = logger;
    }

    public string Room { get; }

    /// <summary>Completes when the hub has retired.</summary>
    public Task Completion => _loop;

    internal void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _owner.Metrics.RoomStarted();
            _loop = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues a command; false once the hub has retired (the caller then starts a new one).</summary>
    internal bool TryPost(in HubCommand command)
    {
        var pending = Volatile.Read(ref _pending);
        while (true)
        {
            if (pending < 0)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _pending, pending + 1, pending);
            if (seen == pending)
            {
                break;
            }

            pending = seen;
        }

        // Unbounded and completed only after retirement, which needs _pending == 0: this write succeeds.
        _commands.Writer.TryWrite(command);
        return true;
    }

    private async Task RunAsync()
    {
        var reader = _commands.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var command))
            {
                Handle(command);
                if (Interlocked.Decrement(ref _pending) == 0 && _members.Count == 0 &&
                    Interlocked.CompareExchange(ref _pending, -1, 0) == 0)
                {
                    _commands.Writer.TryComplete();
                    _owner.Retire(this);
                    return;
                }
            }
        }
    }

    private void Handle(in HubCommand command)
    {
        try
        {
            switch (command.Kind)
            {
                case HubCommandKind.Register:
                    Register(command.Member, command.Cid);
                    break;
                case HubCommandKind.Unregister:
                    Remove(command.Member);
                    break;
                case HubCommandKind.Leave:
                    Remove(command.Member);
                    command.Member.TryEnqueue(_frames.Left(Room, command.Cid));
                    break;
                case HubCommandKind.Broadcast:
                    Broadcast(command.Member, command.Text!, command.Cid);
                    break;
            }

            EvictSlowMembers();
        }
        catch (Exception exception)
        {
            // A bug in one command must not take the room down with it.
            LogCommandFailed(_logger, exception, command.Kind, Room);
        }
    }

    private void Register(IRoomMember member, string? cid)
    {
        // A connection that closed while its join was queued would otherwise stay behind as a ghost.
        if (member.IsClosed || !_members.Add(member))
        {
            return;
        }

        _connectionsPerUser.TryGetValue(member.User, out var connections);
        _connectionsPerUser[member.User] = connections + 1;
        Deliver(member, _frames.Joined(Room, _connectionsPerUser.Keys, cid));
        if (connections == 0)
        {
            DeliverToAll(_frames.Presence(Room, member.User, joined: true), except: member);
        }
    }

    private void Remove(IRoomMember member)
    {
        if (!_members.Remove(member))
        {
            return;
        }

        var connections = _connectionsPerUser[member.User] - 1;
        if (connections > 0)
        {
            _connectionsPerUser[member.User] = connections;
            return;
        }

        _connectionsPerUser.Remove(member.User);
        DeliverToAll(_frames.Presence(Room, member.User, joined: false), except: null);
    }

    private void Broadcast(IRoomMember sender, string text, string? cid)
    {
        // The sender may have been evicted after it posted; its message then goes nowhere.
        if (!_members.Contains(sender))
        {
            return;
        }

        var message = new ChatMessage(Room, NextId(out var timestamp), sender.User, text, timestamp);
        _owner.Metrics.MessageReceived();

        // Serialized once for everyone, and once more with the client id for the sender.
        var shared = _frames.Message(message, cid: null);
        var own = cid is null ? shared : _frames.Message(message, cid);
        foreach (var member in _members)
        {
            Deliver(member, ReferenceEquals(member, sender) ? own : shared);
        }

        _owner.Metrics.MessagesDelivered(_members.Count);
    }

    /// <summary>Ids in the shape of Redis stream ids (<c>milliseconds-sequence</c>), increasing within the room.</summary>
    private string NextId(out long timestamp)
    {
        var now = _owner.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now > _lastMilliseconds)
        {
            _lastMilliseconds = now;
            _sequence = 0;
        }
        else
        {
            _sequence++;
        }

        timestamp = _lastMilliseconds;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_lastMilliseconds}-{_sequence}");
    }

    private void DeliverToAll(byte[] frame, IRoomMember? except)
    {
        foreach (var member in _members)
        {
            if (!ReferenceEquals(member, except))
            {
                Deliver(member, frame);
            }
        }
    }

    private void Deliver(IRoomMember member, byte[] frame)
    {
        switch (member.TryEnqueue(frame))
        {
            case EnqueueResult.Full:
                member.Close(WebSocketCloseStatus.PolicyViolation, "slow consumer: send queue full", drain: false);
                _owner.Metrics.SlowConsumerDisconnected();
                _evicted.Add(member);
                break;
            case EnqueueResult.Closed:
                _evicted.Add(member);
                break;
        }
    }

    /// <summary>Removes members that could not take a frame; their departure may evict others in turn.</summary>
    private void EvictSlowMembers()
    {
        while (_evicted.Count > 0)
        {
            var member = _evicted[^1];
            _evicted.RemoveAt(_evicted.Count - 1);
            Remove(member);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub command {Kind} failed in room {Room}")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception, HubCommandKind kind, string room);
}
