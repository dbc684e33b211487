using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// One connection's view of the run: reads every frame it gets, and counts what it got of each sender in its
/// room, in which order, and how late. Only its receive loop calls <see cref="OnFrame"/>; the counters may be read
/// from any thread.
/// </summary>
internal sealed class Receiver
{
    /// <summary>The cid of the join, told apart from the sends' numbers.</summary>
    public const string JoinCid = "j";

    private readonly RunContext _run;
    private readonly SequenceTracker?[] _bySender;
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _historyToSkip;
    private long _received;
    private long _measured;
    private volatile bool _closed;

    public Receiver(int index, int room, RunContext run)
    {
        Index = index;
        Room = room;
        _run = run;
        _bySender = new SequenceTracker?[run.SenderCount];
    }

    public int Index { get; }

    public int Room { get; }

    /// <summary>The connection's own sends, when it is a sender too.</summary>
    public Sender? Sender { get; init; }

    public Task Welcomed => _welcomed.Task;

    /// <summary>Done once the join's history has gone by: what follows is live.</summary>
    public Task Joined => _joined.Task;

    /// <summary>This run's messages, each counted once.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>This run's messages sent inside the measured window.</summary>
    public long Measured => Volatile.Read(ref _measured);

    public bool ClosedUnexpectedly => _closed;

    public OrderTracker Order { get; } = new();

    public SequenceTracker? TrackerOf(int sender) => _bySender[sender];

    public IEnumerable<SequenceTracker> Trackers => _bySender.OfType<SequenceTracker>();

    /// <summary>One WebSocket text frame: one JSON object per line.</summary>
    public void OnFrame(ReadOnlySpan<byte> frame, long receivedAt)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf((byte)'\n');
            var line = end < 0 ? frame : frame[..end];
            frame = end < 0 ? default : frame[(end + 1)..];
            if (!line.IsEmpty)
            {
                OnLine(line, receivedAt);
            }
        }
    }

    public void OnClosed(string reason)
    {
        _closed = true;
        _run.Errors.Add("closed", $"connection {Index}: {reason}");
        var closed = new InvalidOperationException($"connection {Index} closed: {reason}");
        _welcomed.TrySetException(closed);
        _joined.TrySetException(closed);
    }

    private void OnLine(ReadOnlySpan<byte> line, long receivedAt)
    {
        var scanned = ServerLineScanner.Scan(line, _run.Marker);
        switch (scanned.Kind)
        {
            case ServerLineKind.Message when _historyToSkip > 0:
                if (--_historyToSkip == 0)
                {
                    _joined.TrySetResult();
                }

                break;
            case ServerLineKind.Message when scanned.IsThisRun:
                OnRunMessage(scanned, receivedAt);
                break;
            case ServerLineKind.Ack:
                Sender?.OnAck(scanned.CidSeq);
                break;
            case ServerLineKind.Error:
                OnError(scanned);
                break;
            case ServerLineKind.Welcome:
                _welcomed.TrySetResult();
                break;
            case ServerLineKind.Joined when IsJoin(scanned.Cid):
                _historyToSkip = scanned.History;
                if (_historyToSkip == 0)
                {
                    _joined.TrySetResult();
                }

                break;
            case ServerLineKind.Malformed:
                _run.Errors.Add("malformed_frame", $"connection {Index}: {Encoding.UTF8.GetString(line[..Math.Min(line.Length, 200)])}");
                break;
        }
    }

    private void OnRunMessage(in ServerLine message, long receivedAt)
    {
        if ((uint)message.Sender >= (uint)_bySender.Length || !SeqSet.IsValid(message.Seq))
        {
            _run.Errors.Add("malformed_frame", $"connection {Index}: sender {message.Sender}, seq {message.Seq}");
            return;
        }

        var tracker = _bySender[message.Sender] ??= new SequenceTracker();
        if (tracker.Add(message.Seq) == SequenceOutcome.Duplicate)
        {
            return;
        }

        Order.Add(message.Id);
        Volatile.Write(ref _received, _received + 1);
        if (_run.Window.Contains(message.SentTimestamp))
        {
            Volatile.Write(ref _measured, _measured + 1);
            _run.Latency.Record(message.SentTimestamp, receivedAt);
        }
    }

    private static bool IsJoin(ReadOnlySpan<byte> cid) => cid.SequenceEqual("j"u8);

    private void OnError(in ServerLine error)
    {
        var code = Encoding.UTF8.GetString(error.Code);
        _run.Errors.Add($"error:{code}", $"connection {Index}: error {code} for cid '{Encoding.UTF8.GetString(error.Cid)}'");
        if (IsJoin(error.Cid))
        {
            _joined.TrySetException(new InvalidOperationException($"connection {Index}: the join was refused: {code}"));
        }
        else if (error.CidSeq > 0)
        {
            Sender?.OnRejected(error.CidSeq);
        }
    }
}
