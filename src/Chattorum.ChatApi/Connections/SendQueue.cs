using System.Threading.Tasks.Sources;

namespace Chattorum.ChatApi.Connections;

/// <summary>
/// A client's bounded send queue: any thread queues (the hubs of the client's rooms, its own reader), one writer
/// loop drains. Like a bounded channel, but about a hundred bytes instead of six hundred while idle, which adds up
/// over tens of thousands of connections (BENCHMARKS.md): a lock on the queue itself and one reusable awaitable.
/// </summary>
public sealed class SendQueue(int capacity) : IValueTaskSource<bool>
{
    private readonly Queue<ReadOnlyMemory<byte>> _frames = new();
    private ManualResetValueTaskSourceCore<bool> _wakeUp = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private bool _completed;

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

    /// <summary>False when the queue is full or completed; the frame was not queued.</summary>
    public bool TryWrite(ReadOnlyMemory<byte> frame)
    {
        lock (_frames)
        {
            if (_completed || _frames.Count >= capacity)
            {
                return false;
            }

            _frames.Enqueue(frame);
            if (!_waiting)
            {
                return true;
            }

            _waiting = false;
        }

        _wakeUp.SetResult(true);
        return true;
    }

    public bool TryRead(out ReadOnlyMemory<byte> frame)
    {
        lock (_frames)
        {
            return _frames.TryDequeue(out frame);
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
