using System.Diagnostics;
using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>Writes a status line once a second until disposed.</summary>
internal sealed class LiveProgress : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writing;

    private LiveProgress(TextWriter log, Func<TimeSpan, string> line) => _writing = WriteAsync(log, line);

    /// <param name="line">The line for the time since the start.</param>
    public static LiveProgress Start(TextWriter log, Func<TimeSpan, string> line) => new(log, line);

    public static string Format(TimeSpan elapsed, string text) => string.Create(CultureInfo.InvariantCulture, $"[{elapsed.TotalSeconds,6:0.0}s] {text}");

    private async Task WriteAsync(TextWriter log, Func<TimeSpan, string> line)
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await log.WriteLineAsync(line(Stopwatch.GetElapsedTime(started))).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _writing.ConfigureAwait(false);
        _stop.Dispose();
    }
}
