using Chattorum.LoadTest;
using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.LoadTest;

/// <summary><c>--stopped-readers</c> against a real node: the node drops the client that stopped reading, and nobody else.</summary>
public class StoppedReaderEndToEndTests
{
    // Sending, then the tool's wait for the stopped reader's verdict (at most 15 s after it stopped).
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_reader_that_stops_reading_is_dropped_within_the_bar_and_no_one_else_is()
    {
        // Senders faster than the default per-connection limit, so the stopped reader's buffers fill in a second.
        await using var node = await ChatServer.StartAsync("--Chat:RatePerSecond", "1000", "--Chat:RateBurst", "1000");
        var options = new LoadOptions
        {
            Urls = [node.BaseUri],
            Connections = 6,
            Senders = 2,
            Rate = 100,
            Size = 2000,
            WarmupSeconds = 0.5,
            DurationSeconds = 3,
            StoppedReaders = 1,
        };

        using var log = new StringWriter();
        var report = await LoadRunner.RunAsync(options, TextWriter.Synchronized(log), CancellationToken.None).WaitAsync(RunTimeout);

        using var summary = new StringWriter();
        report.WriteSummary(summary);
        var context = $"{summary}\n{log}";
        Assert.True(report.Passed, context);
        Assert.Equal((6, 0, 0L, 0L, 0L), (report.Connected, report.ClosedByServer, report.Lost, report.Reordered, report.Errors));
        Assert.Empty(report.CloseCodes);

        var reader = Assert.Single(report.StoppedReaders);
        Assert.Null(reader.Failure);
        Assert.NotNull(reader.EndedAfterSeconds);

        // The node drops a writer stalled for 5 s (its sweep runs every second): not before, and within the bar.
        Assert.InRange(reader.EndedAfterSeconds.Value, 4.9, StoppedReader.DropLimitSeconds);
        Assert.Contains("the server ended its connection", summary.ToString(), StringComparison.Ordinal);
        Assert.Contains("0 of the 6 connections closed by the server", summary.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"stoppedReaders\":[{", report.ToJson(), StringComparison.Ordinal);

        // Everything the receivers were due came, in order: the stopped reader's stall held no one up.
        Assert.Equal(report.Sent * 6, report.Deliveries);
    }
}
