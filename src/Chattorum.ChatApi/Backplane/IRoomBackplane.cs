using Chattorum.ChatApi.Protocol;

namespace Chattorum.ChatApi.Backplane;

/// <summary>
/// What the room hubs of every node share. The hubs do the local fan-out; the backplane orders and carries
/// messages between nodes (like SignalR's <c>HubLifetimeManager</c> and its Redis implementation).
/// </summary>
public interface IRoomBackplane
{
    /// <summary>
    /// Accepts a message into the room: it is stored and published in one step, and its id (returned) is its
    /// place in the room's order. Throws when the message could not be stored.
    /// </summary>
    Task<string> PublishAsync(string room, string user, string text);

    /// <summary>Like <see cref="PublishAsync"/>, but at most once per <paramref name="onceKey"/> (a bot reply's request id).</summary>
    Task<string> PublishOnceAsync(string room, string user, string text, string onceKey);

    /// <summary>Delivers the room's events to <paramref name="onEvent"/>, one at a time, in the room's order.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string room, Action<RoomEvent> onEvent);

    /// <summary>The members and the history a joining member starts from: after <paramref name="since"/>, or the last <paramref name="count"/>.</summary>
    Task<RoomSnapshot> LoadAsync(string room, string? since, int count);

    /// <summary>Every stored message after <paramref name="after"/> (all of them when null), oldest first.</summary>
    Task<IReadOnlyList<ChatMessage>> ReadAfterAsync(string room, StreamId? after);

    /// <summary>The id of the room's newest stored message, or null when it has none: what a quiet room's hub checks its last live message against.</summary>
    Task<StreamId?> LastIdAsync(string room);

    /// <summary>Raised when the connection to the backplane comes back: events may have been missed meanwhile.</summary>
    event Action? Reconnected;
}
