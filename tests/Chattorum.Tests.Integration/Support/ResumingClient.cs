using System.Text.Json;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// A client that stays in one room across connections, as a real one would: when its node goes away it
/// connects to another and joins again with <c>since</c>, the last id it saw. It keeps every message id it
/// received, in order, across all its connections.
/// </summary>
public sealed class ResumingClient(string name, string room) : IAsyncDisposable
{
    private readonly List<string> _ids = [];
    private ChatTestClient? _connection;

    public string Name { get; } = name;

    public string Room { get; } = room;

    public ChatTestClient Connection => _connection ?? throw new InvalidOperationException("not connected");

    public IReadOnlyList<string> Ids => _ids;

    public bool Truncated { get; private set; }

    public async Task ConnectAsync(IChatEndpoint node)
    {
        if (_connection is not null)
        {
            Absorb(_connection.Drain());
            await _connection.DisposeAsync();
        }

        _connection = await ChatTestClient.ConnectAsync(node, Name);
        var joined = await _connection.JoinAsync(Room, _ids.Count > 0 ? _ids[^1] : null);
        Truncated |= joined.TryGetProperty("truncated", out var t) && t.GetBoolean();
    }

    /// <summary>Takes in what arrived until a message with this text shows up.</summary>
    public async Task ReadUntilAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name}: '{text}' never came");
            }

            var frame = await Connection.NextAsync(left);
            Absorb([frame]);
            if (IsMessageIn(frame, Room) && frame.GetProperty("text").GetString() == text)
            {
                return;
            }
        }
    }

    private void Absorb(IEnumerable<JsonElement> frames)
    {
        foreach (var frame in frames)
        {
            if (IsMessageIn(frame, Room))
            {
                _ids.Add(frame.GetProperty("id").GetString()!);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
