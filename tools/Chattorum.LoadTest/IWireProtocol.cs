namespace Chattorum.LoadTest;

/// <summary>
/// How the load tool talks to the server it measures (<c>--protocol</c>): whether a connection needs a user's
/// token, what it does between the upgrade and its first message, what a sender puts in a frame, and what a line
/// of a server frame means. Everything else (the run's timing, counting, the checks and the report) is the same for
/// every protocol, so that the figures of two servers compare like for like.
/// </summary>
internal interface IWireProtocol
{
    /// <summary>The <c>--protocol</c> value, as the report names it.</summary>
    string Name { get; }

    /// <summary>Each connection carries a user's token: the run signs its users up or mints their tokens.</summary>
    bool Authenticates { get; }

    /// <summary>A connection must wait for a greeting and join its rooms before it is in them.</summary>
    bool JoinsRooms { get; }

    /// <summary>The rooms a run may have: <c>--rooms</c> and <c>--rooms-per-connection</c> above it are refused.</summary>
    int MaxRooms { get; }

    /// <summary>The longest message text the server takes: <c>--size</c> above it is refused.</summary>
    int MaxSize { get; }

    /// <summary>
    /// The HTTP header lines of the WebSocket upgrade besides the standard ones (each <c>Name: value</c>); the
    /// token is null when the protocol does not <see cref="Authenticates">authenticate</see>.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> UpgradeHeaders(string? token);

    /// <summary>
    /// Once the WebSocket is open and its receive loop runs: whatever must happen before the connection is in its
    /// rooms (<see cref="Receiver.Rooms"/>), so that it gets every message sent from then on.
    /// </summary>
    Task JoinAsync(LoadConnection connection, Func<int, string> roomName, CancellationToken cancellationToken);

    /// <summary>A sender's reusable frame: the message text in this protocol's envelope for <paramref name="roomName"/>.</summary>
    SendFrame CreateSendFrame(string roomName, byte[] marker, int size);

    /// <summary>One line of a server frame (never empty), told to the connection's receiver and its sender.</summary>
    void ReadLine(Receiver receiver, ReadOnlySpan<byte> line, long receivedAt);
}

/// <summary>
/// One sender's frame buffer, reused for every send (a send completes before the next is written): the message
/// text (<see cref="MessageText"/>) and whatever the protocol wraps around it.
/// </summary>
internal abstract class SendFrame
{
    /// <summary>Writes message <paramref name="seq"/> of <paramref name="sender"/>, sent at <paramref name="timestamp"/>; valid until the next call.</summary>
    public abstract ReadOnlyMemory<byte> Write(int sender, long seq, long timestamp);
}
