using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary><c>--stopped-readers</c>: the option, and what its figures do to the run's verdict.</summary>
public class StoppedReadersOptionsTests
{
    private static LoadOptions Parse(string commandLine) =>
        LoadOptionsParser.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Theory]
    [InlineData("", 0)]
    [InlineData("--stopped-readers 0", 0)]
    [InlineData("--stopped-readers 1", 1)]
    [InlineData("--stopped-readers 3 --connections 2", 3)] // not counted among --connections: no limit from it
    [InlineData("--connections 200 --senders 10 --rate max --in-flight 16 --stopped-readers 1", 1)]
    [InlineData("--stopped-readers 1000", 1000)]
    [InlineData("--stopped-readers 2 --stopped-readers 1", 1)] // the last one given
    public void Stopped_readers(string commandLine, int stoppedReaders) => Assert.Equal(stoppedReaders, Parse(commandLine).StoppedReaders);

    [Theory]
    [InlineData("--stopped-readers", "--stopped-readers needs a value")]
    [InlineData("--stopped-readers -1", "--stopped-readers must be a whole number from 0 to 1000, not '-1'")]
    [InlineData("--stopped-readers 1001", "--stopped-readers must be a whole number from 0 to 1000, not '1001'")]
    [InlineData("--stopped-readers one", "--stopped-readers must be a whole number from 0 to 1000, not 'one'")]
    [InlineData("--stopped-readers 1.5", "--stopped-readers must be a whole number from 0 to 1000, not '1.5'")]
    [InlineData("--idle --stopped-readers 1", "--stopped-readers needs messages to stop reading: it cannot go with --idle or --idle-cost")]
    [InlineData("--stopped-readers 1 --idle-cost", "--stopped-readers needs messages to stop reading: it cannot go with --idle or --idle-cost")]
    public void Mistakes(string commandLine, string message) =>
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => Parse(commandLine)).Message);

    [Fact]
    public void Idle_runs_may_say_zero() => Assert.Equal(0, Parse("--idle --stopped-readers 0").StoppedReaders);

    [Theory]
    [InlineData(5.8, null, 0, true, "the server ended its connection 5.80 s later")]
    [InlineData(15.0, null, 0, true, "the server ended its connection 15.00 s later")]
    [InlineData(null, null, 0, false, "still connected 15 s after it stopped reading")]
    [InlineData(15.2, null, 0, false, "over the 15 s bar")]
    [InlineData(null, "the server closed it while it was still reading: 1008 ", 0, false, "FAILED: the server closed it while it was still reading")]
    [InlineData(5.8, null, 1, false, "1 of the 10 connections closed by the server (1008: 1)")]
    public void The_verdict(double? endedAfter, string? failure, int closed, bool passed, string text)
    {
        var report = new LoadReport
        {
            Scenario = "s",
            RunId = "abc123",
            Connections = 10,
            Connected = 10,
            ClosedByServer = closed,
            CloseCodes = closed == 0 ? new Dictionary<string, int>() : new Dictionary<string, int> { ["1008"] = closed },
            StoppedReaders = [new StoppedReaderReport(0, "http://127.0.0.1:1/", 1.02, endedAfter, 9000, failure)],
        };

        using var summary = new StringWriter();
        report.WriteSummary(summary);
        Assert.Equal(passed, report.Passed);
        Assert.Contains(text, summary.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"stoppedReaders\":[{\"index\":0,", report.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"closedByServer\":" + closed, report.ToJson(), StringComparison.Ordinal);
    }
}
