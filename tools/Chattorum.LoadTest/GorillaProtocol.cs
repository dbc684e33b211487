namespace Chattorum.LoadTest;

/// <summary>
/// The gorilla/websocket chat example, the anchor Chattorum is compared with (built by
/// <c>shared/anchors/gorilla/build.sh</c>): <c>GET /ws</c> upgrades with no token (and no <c>Origin</c> header,
/// which its upgrader would check), one hub goroutine broadcasts every text frame a client sends to every client,
/// the sender included; a server frame holds one or more messages separated by <c>\n</c>.
/// </summary>
/// <remarks>
/// There is nothing to join: the server registers a client with its hub right after it writes the upgrade's
/// answer, with nothing that blocks in between, and starts reading the client's frames only after that, so a
/// connection is in the one room by the time it is open. There are no acks: the server echoes every message to its
/// sender, in the hub's one order, so a sender's own message coming back is its ack: with <c>--rate max</c> at most
/// <c>--in-flight</c> messages are not back yet, and a message is "accepted" (every receiver must get it) once its
/// sender has seen it, as a Chattorum message is once acked. The echo also counts as a delivery to the sender, as
/// Chattorum's own copy of a message does to its sender, a member of the room. There are no message ids either:
/// receivers compare the order of (sender, seq) pairs they saw, which the hub makes the same for all.
/// </remarks>
internal sealed class GorillaProtocol : IWireProtocol
{
    public const string ProtocolName = "gorilla";

    /// <summary>The example's <c>maxMessageSize</c>: it closes a connection that sends a longer message.</summary>
    public const int MaxMessageBytes = 512;

    public static readonly GorillaProtocol Instance = new();

    private GorillaProtocol()
    {
    }

    public string Name => ProtocolName;

    public bool Authenticates => false;

    public bool JoinsRooms => false;

    public int MaxRooms => 1;

    public int MaxSize => MaxMessageBytes;

    public IReadOnlyList<KeyValuePair<string, string>> UpgradeHeaders(string? token) => [];

    public Task JoinAsync(LoadConnection connection, Func<int, string> roomName, CancellationToken cancellationToken) => Task.CompletedTask;

    public SendFrame CreateSendFrame(string roomName, byte[] marker, int size) => new TextSendFrame(marker, size);

    /// <summary>
    /// A line is a message text as some client sent it: this run's (<see cref="MessageText"/>) is counted, the
    /// sender's own is also its ack; any other text (another run's, anyone's) is not this run's business.
    /// </summary>
    public void ReadLine(Receiver receiver, ReadOnlySpan<byte> line, long receivedAt)
    {
        if (!line.StartsWith(receiver.Marker))
        {
            return;
        }

        if (!MessageText.TryParse(line, receiver.Marker, out var sender, out var seq, out var sentAt))
        {
            receiver.OnMalformed(line);
            return;
        }

        receiver.OnRunMessage(sender, seq, sentAt, id: null, receivedAt);
        if (sender == receiver.Index)
        {
            receiver.Sender?.OnAck(seq);
        }
    }

    /// <summary>The frame is the message text itself.</summary>
    private sealed class TextSendFrame(byte[] marker, int size) : SendFrame
    {
        private readonly byte[] _frame = new byte[MessageText.MaxLength(marker, size)];

        public override ReadOnlyMemory<byte> Write(int sender, long seq, long timestamp) =>
            _frame.AsMemory(0, MessageText.Write(_frame, marker, sender, seq, timestamp, size));
    }
}
