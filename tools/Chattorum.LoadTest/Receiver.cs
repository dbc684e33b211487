using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// One connection's view of the run: reads every frame it gets, and counts what it got of each sender in each of
/// its rooms, in which order, and how late. Only its receive loop calls <see cref="OnFrame"/>; the counters may be
/// read from any thread.
/// </summary>
internal sealed class Receiver
{
    /// <summary>The cids of the joins, <c>j0</c>, <c>j1</c>...: told apart from the sends' numbers.</summary>
    public const char JoinCidPrefix = 'j';

    private readonly RunContext _run;
    private readonly int[] _rooms;

    // By room (the k-th of the connection's rooms), then by the sender's slot among that room's senders.
    private readonly SequenceTracker?[][] _bySender;
    private readonly OrderTracker[] _orders;
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource[] _joins;
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _joining = -1;
    private int _joinsDone;
    private int _historyToSkip;
    private long _received;
    private long _measured;
    private volatile bool _closed;

    public Receiver(int index, RunContext run)
    {
        Index = index;
        _run = run;
        _rooms = run.Layout.RoomsOf(index);
        _bySender = [.. _rooms.Select(room => new SequenceTracker?[run.Layout.SendersIn(room)])];
        _orders = [.. _rooms.Select(_ => new OrderTracker())];
        _joins = [.. _rooms.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    }

    public int Index { get; }

    /// <summary><c>#&lt;runid&gt;:</c>, the start of every text this run sends.</summary>
    public ReadOnlySpan<byte> Marker => _run.Marker;

    /// <summary>The rooms this connection joins, in the order it joins them.</summary>
    public IReadOnlyList<int> Rooms => _rooms;

    /// <summary>The connection's own sends, when it is a sender too.</summary>
    public Sender? Sender { get; init; }

    public Task Welcomed => _welcomed.Task;

    /// <summary>Done once every join's history has gone by: what follows is live.</summary>
    public Task Joined => _joined.Task;

    /// <summary>This run's messages, each counted once.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>This run's messages sent inside the measured window.</summary>
    public long Measured => Volatile.Read(ref _measured);

    public bool ClosedUnexpectedly => _closed;

    /// <summary>The order of each room's messages, by the room's place in <see cref="Rooms"/>.</summary>
    public IReadOnlyList<OrderTracker> Orders => _orders;

    public static string JoinCid(int k) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{JoinCidPrefix}{k}");

    /// <summary>Done once the k-th join's history has gone by. Joins go one at a time, each after the one before.</summary>
    public Task JoinedRoom(int k) => _joins[k].Task;

    /// <summary>What this connection got of <paramref name="sender"/>; null when nothing, or the sender is in none of its rooms.</summary>
    public SequenceTracker? TrackerOf(int sender) => TrySlot(sender, out var k, out var slot) ? _bySender[k][slot] : null;

    public IEnumerable<SequenceTracker> Trackers => _bySender.SelectMany(room => room).OfType<SequenceTracker>();

    /// <summary>One WebSocket text frame: one message or JSON object per line, each read by the run's protocol.</summary>
    public void OnFrame(ReadOnlySpan<byte> frame, long receivedAt)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf((byte)'\n');
            var line = end < 0 ? frame : frame[..end];
            frame = end < 0 ? default : frame[(end + 1)..];
            if (!line.IsEmpty)
            {
                _run.Protocol.ReadLine(this, line, receivedAt);
            }
        }
    }

    /// <summary>How the server ended the connection, when it did: a close status (<c>1008</c>), or <c>aborted</c> (no close frame).</summary>
    public string? CloseKind { get; private set; }

    public void OnClosed(string reason, string kind)
    {
        CloseKind = kind;
        _closed = true;
        _run.Errors.Add("closed", $"connection {Index}: {reason}");
        var closed = new InvalidOperationException($"connection {Index} closed: {reason}");
        _welcomed.TrySetException(closed);
        FailJoins(closed);
    }

    /// <summary>
    /// One of this run's messages, counted once per receiver: in order or not, and how late when sent inside the
    /// window. <paramref name="id"/> is the server's id, when its protocol gives one (it must grow).
    /// </summary>
    public void OnRunMessage(int sender, long seq, long sentTimestamp, MessageId? id, long receivedAt)
    {
        if (!SeqSet.IsValid(seq) || !TrySlot(sender, out var k, out var slot))
        {
            _run.Errors.Add("malformed_frame", $"connection {Index}: sender {sender} (not in its rooms), seq {seq}");
            return;
        }

        var tracker = _bySender[k][slot] ??= new SequenceTracker();
        if (tracker.Add(seq) == SequenceOutcome.Duplicate)
        {
            return;
        }

        if (id is { } serverId)
        {
            _orders[k].Add(serverId);
        }
        else
        {
            _orders[k].AddUnnumbered(sender, seq);
        }

        Volatile.Write(ref _received, _received + 1);
        if (_run.Window.Contains(sentTimestamp))
        {
            Volatile.Write(ref _measured, _measured + 1);
            _run.Latency.Record(sentTimestamp, receivedAt);
        }
    }

    /// <summary>A stored message after a <c>joined</c>: true when it was one (and is not counted).</summary>
    public bool SkipHistory()
    {
        if (_historyToSkip == 0)
        {
            return false;
        }

        if (--_historyToSkip == 0)
        {
            CompleteJoin(_joining);
        }

        return true;
    }

    public void OnWelcome() => _welcomed.TrySetResult();

    /// <summary>The answer to one of this connection's joins (<paramref name="cid"/> <c>j&lt;k&gt;</c>): done once its history has gone by.</summary>
    public void OnJoined(ReadOnlySpan<byte> cid, int history)
    {
        var k = JoinIndex(cid);
        if (k < 0)
        {
            return;
        }

        _joining = k;
        _historyToSkip = history;
        if (_historyToSkip == 0)
        {
            CompleteJoin(k);
        }
    }

    public void OnMalformed(ReadOnlySpan<byte> line) =>
        _run.Errors.Add("malformed_frame", $"connection {Index}: {Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)])}");

    /// <summary>Where a sender's messages are counted here: its room's place k among this connection's rooms, and its slot there.</summary>
    private bool TrySlot(int sender, out int k, out int slot)
    {
        var layout = _run.Layout;
        k = layout.IsSender(sender) ? Array.IndexOf(_rooms, layout.SenderRoom(sender)) : -1;
        slot = k >= 0 ? layout.SlotOf(sender) : -1;
        return k >= 0;
    }

    private void CompleteJoin(int k)
    {
        if ((uint)k < (uint)_joins.Length && _joins[k].TrySetResult() && ++_joinsDone == _joins.Length)
        {
            _joined.TrySetResult();
        }
    }

    private void FailJoins(Exception exception)
    {
        foreach (var join in _joins)
        {
            join.TrySetException(exception);
        }

        _joined.TrySetException(exception);
    }

    /// <summary>k for the cid <c>j&lt;k&gt;</c> of one of this connection's joins, else -1.</summary>
    private int JoinIndex(ReadOnlySpan<byte> cid) =>
        cid.Length > 1 && cid[0] == (byte)JoinCidPrefix && Digits.TryParse(cid[1..], out var k) && k < _joins.Length ? (int)k : -1;

    /// <summary>An error frame: it fails the join it answers, or rejects the send it answers (<paramref name="cidSeq"/>, else -1).</summary>
    public void OnError(ReadOnlySpan<byte> errorCode, ReadOnlySpan<byte> cid, long cidSeq)
    {
        var code = Encoding.UTF8.GetString(errorCode);
        _run.Errors.Add($"error:{code}", $"connection {Index}: error {code} for cid '{Encoding.UTF8.GetString(cid)}'");
        if (JoinIndex(cid) >= 0)
        {
            FailJoins(new InvalidOperationException($"connection {Index}: the join was refused: {code}"));
        }
        else if (cidSeq > 0)
        {
            Sender?.OnRejected(cidSeq, rateLimited: code == "rate_limited");
        }
    }
}
