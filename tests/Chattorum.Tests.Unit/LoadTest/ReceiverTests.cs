using System.Diagnostics;
using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>Whole frames through one connection's receiver: batches, history, acks and errors, other runs, bad lines.</summary>
public sealed class ReceiverTests : IDisposable
{
    private const string RunId = "a1b2c3";
    private readonly RunContext _run = new(RunId, new RoomLayout(rooms: 1, roomsPerConnection: 1, senders: 2));
    private readonly List<byte[]> _sent = [];

    public ReceiverTests() => _run.Window.Set(0, long.MaxValue);

    public void Dispose() => _run.Dispose();

    private static string Message(int sender, long seq, string id, string runId = RunId) =>
        $$"""{"type":"message","room":"lt-{{runId}}-0","user":"u","text":"#{{runId}}:{{sender}}:{{seq}}:{{Stopwatch.GetTimestamp()}}:xxxx","ts":1,"id":"{{id}}"}""";

    private static void Feed(Receiver receiver, params string[] frames)
    {
        foreach (var frame in frames)
        {
            receiver.OnFrame(Encoding.UTF8.GetBytes(frame), Stopwatch.GetTimestamp());
        }
    }

    private Receiver Joined(Sender? sender = null)
    {
        var receiver = new Receiver(0, _run) { Sender = sender };
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", """{"type":"joined","room":"lt-a1b2c3-0","members":["u"],"history":0,"cid":"j0"}""");
        Assert.True(receiver.Welcomed.IsCompletedSuccessfully);
        Assert.True(receiver.Joined.IsCompletedSuccessfully);
        return receiver;
    }

    [Fact]
    public void One_object_per_frame_and_several_per_frame_count_alike()
    {
        var single = Joined();
        Feed(single, Message(0, 1, "1-0"), Message(0, 2, "1-1"), Message(1, 1, "1-2"));

        var batched = Joined();
        Feed(batched, string.Join('\n', Message(0, 1, "1-0"), Message(0, 2, "1-1"), Message(1, 1, "1-2")));

        foreach (var receiver in new[] { single, batched })
        {
            Assert.Equal(3, receiver.Received);
            Assert.Equal(3, receiver.Measured);
            Assert.Equal((2L, 1L), (receiver.TrackerOf(0)!.Distinct, receiver.TrackerOf(1)!.Distinct));
            Assert.Equal(0, receiver.Orders[0].Regressions);
        }

        Assert.Equal(single.Orders[0].Hash, batched.Orders[0].Hash);
        Assert.Equal(6, LatencySummary.From(_run.Latency.Snapshot()).Count);
        Assert.Equal(0, _run.Errors.Total);
    }

    [Fact]
    public void Empty_lines_and_a_trailing_newline_are_nothing()
    {
        var receiver = Joined();
        Feed(receiver, "\n" + Message(0, 1, "1-0") + "\n\n" + Message(0, 2, "1-1") + "\n");
        Assert.Equal(2, receiver.Received);
        Assert.Equal(0, _run.Errors.Total);
    }

    [Fact]
    public void The_history_after_joined_is_skipped_even_in_the_same_frame()
    {
        var receiver = new Receiver(0, _run);
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""");
        Feed(receiver, string.Join('\n',
            """{"type":"joined","room":"lt-a1b2c3-0","members":["u"],"history":3,"cid":"j0"}""",
            Message(0, 1, "1-0"),
            """{"type":"presence","room":"lt-a1b2c3-0","user":"v","event":"joined"}""",
            Message(0, 2, "1-1", runId: "ffffff")));
        Assert.False(receiver.Joined.IsCompleted);

        Feed(receiver, Message(0, 3, "1-2") + "\n" + Message(0, 4, "2-0"));
        Assert.True(receiver.Joined.IsCompletedSuccessfully);
        Assert.Equal(1, receiver.Received);
        Assert.Equal(1, receiver.TrackerOf(0)!.Distinct);
    }

    [Fact]
    public void Messages_of_other_runs_are_ignored()
    {
        var receiver = Joined();
        Feed(receiver,
            Message(0, 1, "1-0", runId: "ffffff"),
            """{"type":"message","room":"r","user":"StockBot","text":"AAPL.US quote is $93.42 per share","ts":1,"id":"1-1"}""",
            Message(0, 1, "1-2"));
        Assert.Equal(1, receiver.Received);
        Assert.Equal(1, receiver.Orders[0].Count);
        Assert.Equal(0, _run.Errors.Total);
    }

    [Fact]
    public void Duplicates_and_reordering_are_counted_per_sender()
    {
        var receiver = Joined();
        Feed(receiver, string.Join('\n',
            Message(0, 2, "1-0"), Message(1, 1, "1-1"), Message(0, 1, "1-2"), Message(0, 2, "1-3"), Message(1, 2, "1-4")));
        Assert.Equal((1L, 1L), (receiver.TrackerOf(0)!.Duplicates, receiver.TrackerOf(0)!.Reordered));
        Assert.Equal((0L, 0L), (receiver.TrackerOf(1)!.Duplicates, receiver.TrackerOf(1)!.Reordered));
        Assert.Equal(4, receiver.Received);
    }

    [Fact]
    public void Ids_going_back_are_regressions()
    {
        var receiver = Joined();
        Feed(receiver, Message(0, 1, "10-0"), Message(0, 2, "9-5"));
        Assert.Equal(1, receiver.Orders[0].Regressions);
    }

    [Fact]
    public void Only_messages_sent_inside_the_window_are_measured()
    {
        var receiver = Joined();
        _run.Window.Set(Stopwatch.GetTimestamp() + Stopwatch.Frequency, long.MaxValue);
        Feed(receiver, Message(0, 1, "1-0"));
        Assert.Equal((1L, 0L), (receiver.Received, receiver.Measured));
        Assert.Equal(0, _run.Latency.Snapshot().TotalCount);
    }

    [Fact]
    public async Task Acks_and_rejections_reach_the_connections_sender()
    {
        var sender = new Sender(0, 0, "lt-a1b2c3-0", _run, size: 64, rate: 1, inFlightLimit: 16);
        var receiver = Joined(sender);
        for (var i = 0; i < 3; i++)
        {
            await sender.SendNextAsync(Capture);
        }

        Feed(receiver, string.Join('\n',
            """{"type":"ack","room":"lt-a1b2c3-0","id":"1-0","cid":"1"}""",
            """{"type":"error","code":"rate_limited","message":"slow down","frame":"send","cid":"2"}"""),
            """{"type":"ack","room":"lt-a1b2c3-0","id":"1-1","cid":"3"}""");

        Assert.Equal((3L, 2L, 1L, 0L), (sender.Sent, sender.Acked.Count, sender.Rejected, sender.InFlight));
        Assert.True(sender.Acked.Contains(1) && sender.Acked.Contains(3));
        Assert.Equal(1, _run.Errors.Counts["error:rate_limited"]);

        Assert.Equal(3, _sent.Count);
        var frame = Encoding.UTF8.GetString(_sent[2]);
        Assert.StartsWith("""{"type":"send","room":"lt-a1b2c3-0","text":"#a1b2c3:0:3:""", frame, StringComparison.Ordinal);
        Assert.EndsWith("""x","cid":"3"}""", frame, StringComparison.Ordinal);
        var text = System.Text.Json.JsonDocument.Parse(frame).RootElement.GetProperty("text").GetString()!;
        Assert.Equal(64, text.Length);
    }

    [Fact]
    public void An_error_answering_the_join_fails_it()
    {
        var receiver = new Receiver(0, _run);
        Feed(receiver, """{"type":"welcome","user":"u","limits":{}}""", """{"type":"error","code":"unavailable","message":"x","frame":"join","cid":"j0"}""");
        Assert.True(receiver.Joined.IsFaulted);
        Assert.Contains("unavailable", receiver.Joined.Exception!.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_lines_are_errors_and_the_rest_of_the_frame_still_counts()
    {
        var receiver = Joined();
        Feed(receiver, string.Join('\n',
            Message(0, 1, "1-0"),
            "garbage",
            """{"type":"message","room":"r","text":"#a1b2c3:0:2:5:","id":"not-an-id"}""",
            Message(7, 1, "1-1"),
            Message(0, 2, "1-2")));
        Assert.Equal(2, receiver.Received);
        Assert.Equal(3, _run.Errors.Counts["malformed_frame"]);
    }

    [Fact]
    public void A_close_fails_a_pending_join_and_is_an_error()
    {
        var receiver = new Receiver(0, _run);
        receiver.OnClosed("the server closed it: 1008 slow consumer", "1008");
        Assert.True(receiver.ClosedUnexpectedly);
        Assert.Equal("1008", receiver.CloseKind);
        Assert.True(receiver.Welcomed.IsFaulted);
        Assert.Equal(1, _run.Errors.Counts["closed"]);
    }

    private ValueTask Capture(ReadOnlyMemory<byte> frame)
    {
        _sent.Add(frame.ToArray());
        return ValueTask.CompletedTask;
    }
}
