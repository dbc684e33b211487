using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>
/// One <c>--stopped-readers</c> connection: when it stopped reading (seconds from the start of sending; below 0
/// when before it) and how long after that the server ended its connection (null: still connected
/// <see cref="StoppedReader.DropLimitSeconds"/> after it stopped). <see cref="Failure"/> says what kept it from
/// the test (it did not stop reading, or the server closed it while it still read).
/// </summary>
internal sealed record StoppedReaderReport(int Index, string Node, double StoppedAtSeconds, double? EndedAfterSeconds, long BytesRead, string? Failure)
{
    /// <summary>Ended by the server within the bar, after it had stopped reading.</summary>
    public bool Passed => Failure is null && EndedAfterSeconds is { } seconds && seconds <= StoppedReader.DropLimitSeconds;

    public static StoppedReaderReport From(StoppedReader reader, long sendStart)
    {
        var stoppedAt = reader.Stopped.IsCompletedSuccessfully ? reader.Stopped.Result : -1;
        var failure = reader.Failure ?? (stoppedAt < 0 ? "it never stopped reading" : null);
        double? endedAfter = stoppedAt >= 0 && reader.EndedAt >= stoppedAt
            ? Math.Round(Stopwatch.GetElapsedTime(stoppedAt, reader.EndedAt).TotalSeconds, 2)
            : null;
        return new StoppedReaderReport(
            reader.Index,
            reader.Node.ToString(),
            stoppedAt < 0 ? 0 : Math.Round((stoppedAt - sendStart) / (double)Stopwatch.Frequency, 2),
            endedAfter,
            reader.BytesRead,
            failure);
    }

    public string Describe() => FormattableString.Invariant(
        $"stopped reader {Index} ({Node}): read {BytesRead:N0} bytes, stopped reading {StoppedAtSeconds:0.00} s after sending began; ") +
        (Failure is not null ? $"FAILED: {Failure}"
        : EndedAfterSeconds is { } seconds ? FormattableString.Invariant($"the server ended its connection {seconds:0.00} s later{(Passed ? "" : FormattableString.Invariant($", over the {StoppedReader.DropLimitSeconds} s bar"))}")
        : FormattableString.Invariant($"still connected {StoppedReader.DropLimitSeconds} s after it stopped reading"));
}
