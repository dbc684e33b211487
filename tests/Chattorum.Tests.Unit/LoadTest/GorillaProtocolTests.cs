using System.Diagnostics;
using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

/// <summary>
/// <c>--protocol gorilla</c>: a server frame is message texts separated by newlines, the sender's own message back
/// is its ack, there are no message ids (receivers compare the order they saw), and a send is the bare text.
/// </summary>
public sealed class GorillaProtocolTests : IDisposable
{
    private const string RunId = "9e0f1a";

    // One room (all gorilla has), 2 senders: connections 0 and 1.
    private readonly RunContext _run = new(RunId, new RoomLayout(rooms: 1, roomsPerConnection: 1, senders: 2), GorillaProtocol.Instance);
    private readonly List<byte[]> _sent = [];

    public GorillaProtocolTests() => _run.Window.Set(0, long.MaxValue);

    public void Dispose() => _run.Dispose();

    private static string Text(int sender, long seq, string runId = RunId) => $"#{runId}:{sender}:{seq}:{Stopwatch.GetTimestamp()}:xxxxxxxx";

    /// <summary>"0:1 1:1|0:2" is two frames: sender 0's seq 1 and sender 1's seq 1 in one, sender 0's seq 2 in the next; other words go as they are.</summary>
    private static string[] Frames(string script) =>
        [.. script.Split('|').Select(frame => string.Join('\n', frame.Split(' ').Select(Line)))];

    private static string Line(string word)
    {
        var parts = word.Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], out var sender) && long.TryParse(parts[1], out var seq) ? Text(sender, seq) : word;
    }

    private static void Feed(Receiver receiver, IEnumerable<string> frames)
    {
        foreach (var frame in frames)
        {
            receiver.OnFrame(Encoding.UTF8.GetBytes(frame), Stopwatch.GetTimestamp());
        }
    }

    private Receiver Connection(int index)
    {
        var sender = _run.Layout.IsSender(index) ? new Sender(index, 0, "unused", _run, size: 100, rate: null, inFlightLimit: 16) : null;
        return new Receiver(index, _run) { Sender = sender };
    }

    [Theory]
    // script, messages counted, sender 0's tracker (distinct, duplicates, reordered), sender 1's distinct, malformed lines
    [InlineData("0:1", 1, 1, 0, 0, 0, 0)]
    [InlineData("0:1 0:2 1:1", 3, 2, 0, 0, 1, 0)]
    [InlineData("0:1|0:2|1:1", 3, 2, 0, 0, 1, 0)]
    [InlineData("0:2 0:1", 2, 2, 0, 1, 0, 0)]
    [InlineData("0:1 0:1", 1, 1, 1, 0, 0, 0)]
    [InlineData("hello 0:1 #ffffff:0:2:5:xx", 1, 1, 0, 0, 0, 0)]
    [InlineData("#9e0f1a:0:1 0:1", 1, 1, 0, 0, 0, 1)]
    [InlineData("#9e0f1a:x:1:5: 0:1", 1, 1, 0, 0, 0, 1)]
    [InlineData("7:1 1:1", 1, 0, 0, 0, 1, 1)]
    public void Each_line_is_a_message_text(string script, long received, long distinct0, long duplicates0, long reordered0, long distinct1, long malformed)
    {
        var receiver = Connection(5);
        Feed(receiver, Frames(script));

        Assert.Equal(received, receiver.Received);
        Assert.Equal(received, receiver.Measured);
        Assert.Equal((distinct0, duplicates0, reordered0), (receiver.TrackerOf(0)?.Distinct ?? 0, receiver.TrackerOf(0)?.Duplicates ?? 0, receiver.TrackerOf(0)?.Reordered ?? 0));
        Assert.Equal(distinct1, receiver.TrackerOf(1)?.Distinct ?? 0);
        Assert.Equal(malformed, _run.Errors.Counts.GetValueOrDefault("malformed_frame"));
        Assert.Equal(0, receiver.Orders[0].Regressions);
    }

    [Fact]
    public void Empty_lines_and_a_trailing_newline_are_nothing()
    {
        var receiver = Connection(5);
        Feed(receiver, ["\n" + Text(0, 1) + "\n\n" + Text(1, 1) + "\n"]);
        Assert.Equal(2, receiver.Received);
        Assert.Equal(0, _run.Errors.Total);
    }

    [Theory]
    // the sender's sends, the frames it gets back: acked, still in flight, receptions (its own messages count), errors
    [InlineData(3, "0:1 1:1 0:2|0:3", 3, 0, 4, 0)]
    [InlineData(3, "0:1|1:1 1:2", 1, 2, 3, 0)]
    [InlineData(3, "1:1 1:2", 0, 3, 2, 0)]
    [InlineData(2, "0:1 0:1 0:2", 2, 0, 2, 1)] // the echo twice: a duplicate, and a second ack
    [InlineData(1, "0:1 0:2", 1, 0, 2, 1)]     // back before it was sent: an unexpected ack
    public async Task The_senders_own_message_back_is_its_ack(int sends, string script, long acked, long inFlight, long received, long errors)
    {
        var receiver = Connection(0);
        var sender = receiver.Sender!;
        for (var i = 0; i < sends; i++)
        {
            await sender.SendNextAsync(Capture);
        }

        Feed(receiver, Frames(script));

        Assert.Equal((acked, inFlight), (sender.Acked.Count, sender.InFlight));
        Assert.Equal(received, receiver.Received);
        Assert.Equal(errors, _run.Errors.Total);
    }

    [Fact]
    public void Another_senders_messages_are_not_acks_here()
    {
        var receiver = Connection(1);
        Feed(receiver, Frames("0:1 0:2"));
        Assert.Equal((0L, 2L), (receiver.Sender!.Acked.Count, receiver.Received));
        Assert.Equal(0, _run.Errors.Total);
    }

    [Theory]
    [InlineData("0:1 1:1 0:2", "0:1|1:1 0:2", true)]   // framing does not matter
    [InlineData("0:1 1:1 0:2", "1:1 0:1 0:2", false)]
    [InlineData("0:1 1:2", "1:1 0:2", false)]           // the same senders' turns, other messages
    [InlineData("0:1 0:2", "0:1 0:2 hello", true)]       // other texts are not in the order
    public void Receivers_compare_the_order_they_saw(string first, string second, bool same)
    {
        var a = Connection(3);
        var b = Connection(4);
        Feed(a, Frames(first));
        Feed(b, Frames(second));

        var orders = new[] { a, b }.Select(r => new ReceivedOrder(0, r.Orders[0].Count, r.Orders[0].Hash));
        Assert.Equal(same, a.Orders[0].Hash == b.Orders[0].Hash);
        Assert.Equal(same ? 0 : 1, OrderCheck.CountMismatches(orders));
        Assert.Equal(0, a.Orders[0].Regressions + b.Orders[0].Regressions);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(1)]
    public async Task A_send_is_the_bare_message_text(int size)
    {
        var sender = new Sender(1, 0, "lt-9e0f1a-0", _run, size, rate: 1, inFlightLimit: 16);
        await sender.SendNextAsync(Capture);
        await sender.SendNextAsync(Capture);

        var text = Encoding.UTF8.GetString(_sent[1]);
        Assert.StartsWith("#9e0f1a:1:2:", text, StringComparison.Ordinal);
        Assert.Equal(Math.Max(size, text.TrimEnd('x').Length), text.Length);
        Assert.True(MessageText.TryParse(_sent[1], _run.Marker, out var from, out var seq, out _));
        Assert.Equal((1, 2L), (from, seq));
        Assert.DoesNotContain((byte)'\n', _sent[1]);
    }

    [Fact]
    public void Connections_carry_no_token_and_have_nothing_to_join()
    {
        var protocol = GorillaProtocol.Instance;
        Assert.Empty(protocol.UpgradeHeaders(null));
        Assert.False(protocol.Authenticates || protocol.JoinsRooms);
        Assert.True(protocol.JoinAsync(null!, _ => "unused", CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal((1, 512), (protocol.MaxRooms, protocol.MaxSize));
    }

    private ValueTask Capture(ReadOnlyMemory<byte> frame)
    {
        _sent.Add(frame.ToArray());
        return ValueTask.CompletedTask;
    }
}
