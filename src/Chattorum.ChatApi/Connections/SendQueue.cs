using System.Threading.Tasks.Sources;

namespace Chattorum.ChatApi.Connections;

/// <summary>What became of a frame offered to a <see cref="SendQueue"/>.</summary>
public enum QueueWrite
{
    Queued,

    /// <summary>The queue is completed (its client is closing): the frame was not queued.</summary>
    Completed,

    /// <summary>The queue is at one of its hard limits: the frame was not queued.</summary>
    OverLimit,
}

/// <summary>
/// A client's send queue: any thread queues (the hubs of the client's rooms, its own reader), one writer loop
/// drains. Like a bounded channel, but about a hundred bytes instead of six hundred while idle, which adds up
/// over tens of thousands of connections (BENCHMARKS.md): a lock on the queue itself and one reusable awaitable.
/// It keeps its node's <see cref="SendBacklog"/> up to date with its first <paramref name="softCapacity"/> frames,
/// and refuses frames past its hard limits, which only bound memory (see <see cref="ChatLimits.SendQueueMaxFrames"/>).
/// </summary>
public sealed class SendQueue(SendBacklog backlog, int softCapacity, int maxFrames, long maxBytes) : IValueTaskSource<bool>
{
    private readonly Queue<ReadOnlyMemory<byte>> _frames = new();
    private ManualResetValueTaskSourceCore<bool> _wakeUp = new() { RunContinuationsAsynchronously = true };
    private long _bytes;
    private bool _waiting;
    private bool _completed;

    // The queue grew past its soft capacity: its array is trimmed once it is empty again.
    private bool _grown;

    /// <summary>A queue with the limits of <see cref="ChatLimits"/>.</summary>
    public SendQueue(SendBacklog backlog)
        : this(backlog, ChatLimits.SendQueueSoftCapacity, ChatLimits.SendQueueMaxFrames, ChatLimits.SendQueueMaxBytes)
    {
    }

    public int SoftCapacity => softCapacity;

    public int Count
    {
        get
        {
            lock (_frames)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>Bytes of the frames queued.</summary>
    public long Bytes
    {
        get
        {
            lock (_frames)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Queues the frame unless the queue is completed or at a hard limit; <paramref name="depth"/> is the count after.</summary>
    public QueueWrite TryWrite(ReadOnlyMemory<byte> frame, out int depth)
    {
        lock (_frames)
        {
            depth = _frames.Count;
            if (_completed)
            {
                return QueueWrite.Completed;
            }

            if (depth >= maxFrames || _bytes + frame.Length > maxBytes)
            {
                return QueueWrite.OverLimit;
            }

            _frames.Enqueue(frame);
            _bytes += frame.Length;
            if (depth < softCapacity)
            {
                backlog.Add(1);
            }
            else
            {
                _grown = true;
            }

            depth++;
            if (!_waiting)
            {
                return QueueWrite.Queued;
            }

            _waiting = false;
        }

        _wakeUp.SetResult(true);
        return QueueWrite.Queued;
    }

    public bool TryRead(out ReadOnlyMemory<byte> frame)
    {
        lock (_frames)
        {
            var depth = _frames.Count;
            if (!_frames.TryDequeue(out frame))
            {
                return false;
            }

            _bytes -= frame.Length;
            if (depth <= softCapacity)
            {
                backlog.Remove(1);
            }

            if (depth == 1 && _grown)
            {
                // Back to empty after a deep backlog: give back the array it took.
                _grown = false;
                _frames.TrimExcess();
            }

            return true;
        }
    }

    /// <summary>
    /// Called by the writer as it stops: refuses frames from now on and drops what is queued, so that the node's
    /// backlog no longer counts frames that will never be written.
    /// </summary>
    public void Discard()
    {
        lock (_frames)
        {
            _completed = true;
            backlog.Remove(Math.Min(_frames.Count, softCapacity));
            _frames.Clear();
            _frames.TrimExcess();
            _bytes = 0;
            _grown = false;
        }
    }

    public bool IsEmpty => Count == 0;

    /// <summary>No more frames: the writer drains what is queued (or not) and stops.</summary>
    public void Complete()
    {
        lock (_frames)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _wakeUp.SetResult(true);
    }

    /// <summary>Waits for a frame; false once the queue is completed and empty. One waiter at a time.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_frames)
        {
            if (_frames.Count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            _wakeUp.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _wakeUp.Version);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wakeUp.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wakeUp.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wakeUp.OnCompleted(continuation, state, token, flags);
}
