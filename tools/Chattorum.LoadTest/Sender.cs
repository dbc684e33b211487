using System.Diagnostics;
using System.Net.WebSockets;

namespace Chattorum.LoadTest;

/// <summary>
/// Sends one connection's messages: on a fixed schedule, or as fast as acks come back with at most a window of
/// sends unacknowledged. Keeps which sends the server acknowledged, the messages every receiver must get.
/// </summary>
internal sealed class Sender
{
    private readonly RunContext _run;
    private readonly SendFrame _frame;
    private readonly double? _rate;
    private readonly SemaphoreSlim? _window;
    private long _seq;
    private long _sentInWindow;
    private long _rejected;
    private bool _rateLimited;

    /// <param name="rate">Messages a second; null sends whenever fewer than <paramref name="inFlightLimit"/> are unacknowledged.</param>
    public Sender(int index, int room, string roomName, RunContext run, int size, double? rate, int inFlightLimit)
    {
        Index = index;
        Room = room;
        _run = run;
        _frame = run.Protocol.CreateSendFrame(roomName, run.Marker, size);
        _rate = rate;
        _window = rate is null ? new SemaphoreSlim(inFlightLimit) : null;
    }

    public int Index { get; }

    public int Room { get; }

    /// <summary>
    /// Sequence numbers the server acknowledged (stored; with gorilla, echoed back to the sender): every receiver in
    /// the room must get them.
    /// </summary>
    public SeqSet Acked { get; } = new();

    public long Sent => Volatile.Read(ref _seq);

    public long SentInWindow => Volatile.Read(ref _sentInWindow);

    /// <summary>Sends answered with an error (rate_limited, unavailable): not stored, not expected anywhere.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    public long InFlight => Sent - Acked.Count - Rejected;

    /// <summary>
    /// The server refused one of these sends with <c>rate_limited</c>: the sends it refuses in the second after get no
    /// answer at all (docs/protocol.md), so the unanswered ones are not waited for.
    /// </summary>
    public bool RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Sends from <paramref name="firstSendAt"/> until the measure window ends or <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(Func<ReadOnlyMemory<byte>, ValueTask> send, long firstSendAt, CancellationToken stop)
    {
        try
        {
            await Clock.DelayUntilAsync(firstSendAt, stop).ConfigureAwait(false);
            if (_rate is { } perSecond)
            {
                await SendPacedAsync(send, perSecond, firstSendAt, stop).ConfigureAwait(false);
            }
            else
            {
                await SendWhenAckedAsync(send, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The measured window is over.
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            _run.Errors.Add("send_failed", $"sender {Index}: {exception.Message}");
        }
    }

    /// <summary>Message k is due at firstSendAt + k / rate: a late sender catches up rather than drifts.</summary>
    private async Task SendPacedAsync(Func<ReadOnlyMemory<byte>, ValueTask> send, double perSecond, long firstSendAt, CancellationToken stop)
    {
        var interval = Stopwatch.Frequency / perSecond;
        for (long k = 0; ; k++)
        {
            var due = firstSendAt + (long)(k * interval);
            if (due >= _run.Window.End)
            {
                return;
            }

            await Clock.DelayUntilAsync(due, stop).ConfigureAwait(false);
            await SendNextAsync(send).ConfigureAwait(false);
        }
    }

    private async Task SendWhenAckedAsync(Func<ReadOnlyMemory<byte>, ValueTask> send, CancellationToken stop)
    {
        while (true)
        {
            await _window!.WaitAsync(stop).ConfigureAwait(false);
            if (Clock.Now >= _run.Window.End)
            {
                return;
            }

            await SendNextAsync(send).ConfigureAwait(false);
        }
    }

    internal ValueTask SendNextAsync(Func<ReadOnlyMemory<byte>, ValueTask> send)
    {
        var seq = _seq + 1;
        var now = Clock.Now;
        var frame = _frame.Write(Index, seq, now);
        Volatile.Write(ref _seq, seq);
        if (_run.Window.Contains(now))
        {
            Volatile.Write(ref _sentInWindow, _sentInWindow + 1);
        }

        return send(frame);
    }

    /// <summary>Called from the connection's receive loop: an ack, or with gorilla the sender's own message back.</summary>
    public void OnAck(long seq)
    {
        if (!SeqSet.IsValid(seq) || seq > Sent)
        {
            _run.Errors.Add("unexpected_ack", $"sender {Index}: ack for cid {seq}, {Sent} sent");
            return;
        }

        if (!Acked.Add(seq))
        {
            _run.Errors.Add("duplicate_ack", $"sender {Index}: second ack for cid {seq}");
            return;
        }

        _window?.Release();
    }

    /// <summary>Called from the connection's receive loop for an error frame that answers a send.</summary>
    public void OnRejected(long seq, bool rateLimited = false)
    {
        if (SeqSet.IsValid(seq) && seq <= Sent)
        {
            if (rateLimited)
            {
                Volatile.Write(ref _rateLimited, true);
            }

            Interlocked.Increment(ref _rejected);
            _window?.Release();
        }
    }
}
