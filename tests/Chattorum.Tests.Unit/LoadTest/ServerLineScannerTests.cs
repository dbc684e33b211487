using System.Text;
using Chattorum.LoadTest;

namespace Chattorum.Tests.Unit.LoadTest;

public class ServerLineScannerTests
{
    private static readonly byte[] Marker = MessageText.RunMarker("a1b2c3");

    private static ServerLineKind Kind(string line) => ServerLineScanner.Scan(Encoding.UTF8.GetBytes(line), Marker).Kind;

    [Fact]
    public void Reads_a_message_of_this_run()
    {
        var line = """{"type":"message","room":"lt-a1b2c3-0","user":"lta1b2c3u0","text":"#a1b2c3:3:42:987654321:xxxx","ts":1732712345678,"id":"1732712345678-12"}"""u8;
        var message = ServerLineScanner.Scan(line, Marker);
        Assert.Equal(ServerLineKind.Message, message.Kind);
        Assert.True(message.IsThisRun);
        Assert.Equal((3, 42L, 987654321L), (message.Sender, message.Seq, message.SentTimestamp));
        Assert.Equal(new MessageId(1732712345678, 12), message.Id);
    }

    [Fact]
    public void Does_not_depend_on_the_order_of_the_fields()
    {
        var line = """{"id":"5-1","text":"#a1b2c3:0:7:11:","room":"r","type":"message","ts":5}"""u8;
        var message = ServerLineScanner.Scan(line, Marker);
        Assert.True(message.IsThisRun);
        Assert.Equal((0, 7L, 11L, new MessageId(5, 1)), (message.Sender, message.Seq, message.SentTimestamp, message.Id));
    }

    [Theory]
    [InlineData("""{"type":"message","room":"r","user":"bob","text":"#ffffff:0:1:5:xx","ts":1,"id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","user":"StockBot","text":"AAPL.US quote is $93.42 per share","ts":1,"id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","user":"eve","text":"a1b2c3:0:1:5: without the hash","ts":1,"id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","user":"eve","text":"say \"type\":\"ack\",\"cid\":\"1\" and \"id\":\"9-9\"","ts":1,"id":"1-0"}""")]
    public void Messages_of_other_runs_and_people_are_messages_but_not_this_runs(string line)
    {
        var message = ServerLineScanner.Scan(Encoding.UTF8.GetBytes(line), Marker);
        Assert.Equal(ServerLineKind.Message, message.Kind);
        Assert.False(message.IsThisRun);
    }

    [Fact]
    public void Reads_acks_and_errors_with_their_cid()
    {
        var ack = ServerLineScanner.Scan("""{"type":"ack","room":"lt-a1b2c3-0","id":"1-0","cid":"17"}"""u8, Marker);
        Assert.Equal((ServerLineKind.Ack, 17L), (ack.Kind, ack.CidSeq));

        var error = ServerLineScanner.Scan("""{"type":"error","code":"rate_limited","message":"slow down: at most 10 frames a second","frame":"send","cid":"18"}"""u8, Marker);
        Assert.Equal((ServerLineKind.Error, 18L, "rate_limited"), (error.Kind, error.CidSeq, Encoding.UTF8.GetString(error.Code)));

        var noCid = ServerLineScanner.Scan("""{"type":"error","code":"bad_json","message":"x"}"""u8, Marker);
        Assert.Equal((ServerLineKind.Error, -1L), (noCid.Kind, noCid.CidSeq));

        var joinError = ServerLineScanner.Scan("""{"type":"error","code":"unavailable","message":"x","frame":"join","cid":"j"}"""u8, Marker);
        Assert.Equal(("j", -1L), (Encoding.UTF8.GetString(joinError.Cid), joinError.CidSeq));
    }

    [Fact]
    public void Reads_how_much_history_follows_a_join()
    {
        var joined = ServerLineScanner.Scan("""{"type":"joined","room":"lobby","members":["alice","bob"],"history":50,"cid":"j"}"""u8, Marker);
        Assert.Equal((ServerLineKind.Joined, 50, "j"), (joined.Kind, joined.History, Encoding.UTF8.GetString(joined.Cid)));
        Assert.Equal(0, ServerLineScanner.Scan("""{"type":"joined","room":"x","members":[],"history":0,"truncated":false}"""u8, Marker).History);
    }

    [Theory]
    [InlineData("""{"type":"welcome","user":"alice","limits":{"maxFrameBytes":8192}}""", "Welcome")]
    [InlineData("""{"type":"presence","room":"lobby","user":"carol","event":"joined"}""", "Other")]
    [InlineData("""{"type":"pong","cid":"4"}""", "Other")]
    [InlineData("""{"type":"left","room":"lobby","cid":"2"}""", "Other")]
    [InlineData("""{"type":"something_new","x":1}""", "Other")]
    public void Tells_the_other_frames_apart(string line, string kind) => Assert.Equal(kind, Kind(line).ToString());

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{}")]
    [InlineData("""{"type":"message","room":"r","user":"u","ts":1,"id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","text":"#a1b2c3:0:1:5:","ts":1}""")]
    [InlineData("""{"type":"message","room":"r","text":"#a1b2c3:0:1:5:","id":"soon"}""")]
    [InlineData("""{"type":"message","room":"r","text":"#a1b2c3:zero:1:5:","id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","text":"#a1b2c3:0:1","id":"1-0"}""")]
    [InlineData("""{"type":"message","room":"r","text":"#a1b2c3:0:-1:5:","id":"1-0"}""")]
    [InlineData("""{"type":"ack","room":"r","id":"1-0"}""")]
    [InlineData("""{"type":"joined","room":"r","members":[]}""")]
    [InlineData("""{"type":"error","message":"no code"}""")]
    [InlineData("""{"type":"mess""")]
    public void Malformed_lines_are_told(string line) => Assert.Equal(ServerLineKind.Malformed, Kind(line));
}
