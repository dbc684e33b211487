using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>The once-a-second line while sending: phase, rates over the last second, p99 so far, sends in flight.</summary>
internal sealed class SendProgress(RunContext run, Sender[] senders, Receiver[] receivers)
{
    private long _lastSent;
    private long _lastReceived;
    private TimeSpan _lastElapsed;

    public string Line(TimeSpan elapsed)
    {
        var sent = senders.Sum(s => s.Sent);
        var received = receivers.Sum(r => r.Received);
        var seconds = Math.Max((elapsed - _lastElapsed).TotalSeconds, 0.001);
        var now = Clock.Now;
        var phase = now < run.Window.Start ? "warm-up" : now < run.Window.End ? "measuring" : "draining";
        var latency = LatencySummary.From(run.Latency.Snapshot());
        var line = LiveProgress.Format(elapsed, string.Create(CultureInfo.InvariantCulture,
            $"{phase,-9} sent {(sent - _lastSent) / seconds,8:N0}/s, deliveries {(received - _lastReceived) / seconds,11:N0}/s, p99 {latency.P99Ms,7:0.00} ms, in flight {senders.Sum(s => s.InFlight)}, errors {run.Errors.Total}"));
        (_lastSent, _lastReceived, _lastElapsed) = (sent, received, elapsed);
        return line;
    }
}
