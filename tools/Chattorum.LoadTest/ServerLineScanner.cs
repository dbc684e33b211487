namespace Chattorum.LoadTest;

internal enum ServerLineKind
{
    /// <summary>A frame the load test has no use for: presence, pong, left, queued.</summary>
    Other,
    Welcome,
    Joined,
    Message,
    Ack,
    Error,
    Malformed,
}

/// <summary>What <see cref="ServerLineScanner"/> found in one JSON object; only the fields of its kind are set.</summary>
internal readonly ref struct ServerLine
{
    public ServerLineKind Kind { get; init; }

    /// <summary>A message whose text carries this run's marker; the fields below are set only for those.</summary>
    public bool IsThisRun { get; init; }

    public int Sender { get; init; }

    public long Seq { get; init; }

    public long SentTimestamp { get; init; }

    public MessageId Id { get; init; }

    /// <summary>Stored messages that follow a <c>joined</c>.</summary>
    public int History { get; init; }

    /// <summary>The <c>cid</c> of an ack or error, as sent (a number for sends, <c>j</c> for the join).</summary>
    public ReadOnlySpan<byte> Cid { get; init; }

    public ReadOnlySpan<byte> Code { get; init; }

    /// <summary>The cid as a send's sequence number, or -1.</summary>
    public long CidSeq => Digits.TryParse(Cid, out var seq) ? seq : -1;
}

/// <summary>
/// Reads the few fields the load test needs from one server JSON object without parsing it: a search for
/// <c>"name":"</c> cannot match inside a JSON string, where every quote is escaped, so it finds the property
/// wherever the server put it. Nothing is allocated.
/// </summary>
internal static class ServerLineScanner
{
    public static ServerLine Scan(ReadOnlySpan<byte> line, ReadOnlySpan<byte> runMarker)
    {
        if (!TryString(line, "\"type\":\""u8, out var type))
        {
            return Malformed;
        }

        if (type.SequenceEqual("message"u8))
        {
            return ScanMessage(line, runMarker);
        }

        if (type.SequenceEqual("ack"u8))
        {
            return TryString(line, "\"cid\":\""u8, out var cid) ? new ServerLine { Kind = ServerLineKind.Ack, Cid = cid } : Malformed;
        }

        if (type.SequenceEqual("error"u8))
        {
            TryString(line, "\"cid\":\""u8, out var cid);
            return TryString(line, "\"code\":\""u8, out var code) ? new ServerLine { Kind = ServerLineKind.Error, Code = code, Cid = cid } : Malformed;
        }

        if (type.SequenceEqual("joined"u8))
        {
            TryString(line, "\"cid\":\""u8, out var cid);
            return TryNumber(line, "\"history\":"u8, out var history) && history <= int.MaxValue
                ? new ServerLine { Kind = ServerLineKind.Joined, History = (int)history, Cid = cid }
                : Malformed;
        }

        return new ServerLine { Kind = type.SequenceEqual("welcome"u8) ? ServerLineKind.Welcome : ServerLineKind.Other };
    }

    private static ServerLine Malformed => new() { Kind = ServerLineKind.Malformed };

    private static ServerLine ScanMessage(ReadOnlySpan<byte> line, ReadOnlySpan<byte> runMarker)
    {
        const string TextKey = "\"text\":\"";
        var textAt = line.IndexOf("\"text\":\""u8);
        if (textAt < 0)
        {
            return Malformed;
        }

        var text = line[(textAt + TextKey.Length)..];
        if (!text.StartsWith(runMarker))
        {
            return new ServerLine { Kind = ServerLineKind.Message };
        }

        // The id is the server's last property: searching from the end skips the text.
        if (!MessageText.TryParse(text, runMarker, out var sender, out var seq, out var timestamp) ||
            !TryString(line, "\"id\":\""u8, out var idText, fromEnd: true) ||
            !MessageId.TryParse(idText, out var id))
        {
            return Malformed;
        }

        return new ServerLine { Kind = ServerLineKind.Message, IsThisRun = true, Sender = sender, Seq = seq, SentTimestamp = timestamp, Id = id };
    }

    /// <summary>The value of a string property, up to its closing quote (the values read here are never escaped).</summary>
    private static bool TryString(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value, bool fromEnd = false)
    {
        value = default;
        var at = fromEnd ? line.LastIndexOf(key) : line.IndexOf(key);
        if (at < 0)
        {
            return false;
        }

        var rest = line[(at + key.Length)..];
        var end = rest.IndexOf((byte)'"');
        if (end < 0)
        {
            return false;
        }

        value = rest[..end];
        return true;
    }

    private static bool TryNumber(ReadOnlySpan<byte> line, ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        var at = line.IndexOf(key);
        if (at < 0)
        {
            return false;
        }

        var rest = line[(at + key.Length)..];
        var end = rest.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        return Digits.TryParse(end < 0 ? rest : rest[..end], out value);
    }
}
