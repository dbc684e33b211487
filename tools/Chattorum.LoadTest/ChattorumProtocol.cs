using System.Globalization;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>
/// Chattorum's protocol (docs/protocol.md): a bearer token on the upgrade, <c>welcome</c>, a <c>join</c> for each
/// room answered by <c>joined</c> and the room's history, JSON <c>send</c> frames with a cid answered by an
/// <c>ack</c> (or an <c>error</c>), and one JSON object a line from the server.
/// </summary>
internal sealed class ChattorumProtocol : IWireProtocol
{
    public const string ProtocolName = "chattorum";

    public static readonly ChattorumProtocol Instance = new();

    private ChattorumProtocol()
    {
    }

    public string Name => ProtocolName;

    public bool Authenticates => true;

    public bool JoinsRooms => true;

    public int MaxRooms => LoadOptionsParser.MaxConnections;

    public int MaxSize => LoadOptionsParser.MaxSize;

    public IReadOnlyList<KeyValuePair<string, string>> UpgradeHeaders(string? token) =>
        [new("Authorization", $"Bearer {token ?? throw new ArgumentNullException(nameof(token), "a Chattorum connection needs a user's token")}")];

    /// <summary>
    /// Waits for <c>welcome</c>, then joins the receiver's rooms one at a time, each once the one before has joined
    /// and its history has gone by: a burst of joins could go over the server's rate limit.
    /// </summary>
    public async Task JoinAsync(LoadConnection connection, Func<int, string> roomName, CancellationToken cancellationToken)
    {
        var receiver = connection.Receiver;
        await receiver.Welcomed.WaitAsync(cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < receiver.Rooms.Count; k++)
        {
            await connection.SendAsync(JoinFrame(roomName(receiver.Rooms[k]), Receiver.JoinCid(k)), cancellationToken).ConfigureAwait(false);
            await receiver.JoinedRoom(k).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static byte[] JoinFrame(string room, string cid) =>
        Encoding.UTF8.GetBytes($$"""{"type":"join","room":"{{room}}","cid":"{{cid}}"}""");

    public SendFrame CreateSendFrame(string roomName, byte[] marker, int size) => new JsonSendFrame(roomName, marker, size);

    /// <summary>One JSON object: messages (history skipped), acks and errors, and the join's answers.</summary>
    public void ReadLine(Receiver receiver, ReadOnlySpan<byte> line, long receivedAt)
    {
        var scanned = ServerLineScanner.Scan(line, receiver.Marker);
        switch (scanned.Kind)
        {
            case ServerLineKind.Message when receiver.SkipHistory():
                break;
            case ServerLineKind.Message when scanned.IsThisRun:
                receiver.OnRunMessage(scanned.Sender, scanned.Seq, scanned.SentTimestamp, scanned.Id, receivedAt);
                break;
            case ServerLineKind.Ack:
                receiver.Sender?.OnAck(scanned.CidSeq);
                break;
            case ServerLineKind.Error:
                receiver.OnError(scanned.Code, scanned.Cid, scanned.CidSeq);
                break;
            case ServerLineKind.Welcome:
                receiver.OnWelcome();
                break;
            case ServerLineKind.Joined:
                receiver.OnJoined(scanned.Cid, scanned.History);
                break;
            case ServerLineKind.Malformed:
                receiver.OnMalformed(line);
                break;
        }
    }

    /// <summary><c>{"type":"send","room":"…","text":"…","cid":"&lt;seq&gt;"}</c>: the cid is the sequence number, for the ack.</summary>
    private sealed class JsonSendFrame : SendFrame
    {
        // The cid's digits and the closing characters after the text.
        private const int SuffixRoom = 40;

        private readonly byte[] _frame;
        private readonly byte[] _marker;
        private readonly int _textStart;
        private readonly int _size;

        public JsonSendFrame(string roomName, byte[] marker, int size)
        {
            var prefix = Encoding.UTF8.GetBytes("{\"type\":\"send\",\"room\":\"" + roomName + "\",\"text\":\"");
            _textStart = prefix.Length;
            _frame = new byte[prefix.Length + MessageText.MaxLength(marker, size) + SuffixRoom];
            prefix.CopyTo(_frame, 0);
            _marker = marker;
            _size = size;
        }

        public override ReadOnlyMemory<byte> Write(int sender, long seq, long timestamp)
        {
            var length = _textStart + MessageText.Write(_frame.AsSpan(_textStart), _marker, sender, seq, timestamp, _size);
            length += Append("\",\"cid\":\""u8, length);
            length += seq.TryFormat(_frame.AsSpan(length), out var written, provider: CultureInfo.InvariantCulture) ? written : 0;
            length += Append("\"}"u8, length);
            return _frame.AsMemory(0, length);
        }

        private int Append(ReadOnlySpan<byte> bytes, int at)
        {
            bytes.CopyTo(_frame.AsSpan(at));
            return bytes.Length;
        }
    }
}
