using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Chattorum.ChatApi.Hubs;

namespace Chattorum.Tests.Support;

/// <summary>A room member whose send queue the test reads, message by message; with a capacity (in messages) it fills up like a slow client's.</summary>
internal sealed class RecordingMember(string user, int capacity = 100_000) : IRoomMember
{
    private readonly Channel<ReadOnlyMemory<byte>> _frames = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
    private volatile bool _closed;

    public string User { get; } = user;

    public bool IsClosed => _closed;

    public WebSocketCloseStatus? ClosedWith { get; private set; }

    public string? ClosedBecause { get; private set; }

    public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame)
    {
        if (_closed)
        {
            return EnqueueResult.Closed;
        }

        // A hub may queue several messages as one frame (one JSON object per line, as a client reads them): the test
        // reads them one by one, and the capacity counts messages. Like a real queue, a frame goes in whole or not at all.
        var lines = Lines(frame);
        if (capacity - _frames.Reader.Count < lines.Count)
        {
            return EnqueueResult.Full;
        }

        foreach (var line in lines)
        {
            _frames.Writer.TryWrite(line);
        }

        return EnqueueResult.Queued;
    }

    private static List<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> frame)
    {
        var lines = new List<ReadOnlyMemory<byte>>();
        while (frame.Span.IndexOf((byte)'\n') is var end and >= 0)
        {
            lines.Add(frame[..end]);
            frame = frame[(end + 1)..];
        }

        lines.Add(frame);
        return lines;
    }

    public void Close(WebSocketCloseStatus status, string reason, bool drain)
    {
        if (_closed)
        {
            return;
        }

        ClosedWith = status;
        ClosedBecause = reason;
        _closed = true;
    }

    public async Task<ReadOnlyMemory<byte>> NextBytesAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await _frames.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{User}: no frame within 10 s");
        }
    }

    /// <summary>The next frame of the given type, as the bytes the hub queued; frames of other types are skipped.</summary>
    public async Task<ReadOnlyMemory<byte>> NextBytesOfTypeAsync(string type)
    {
        while (true)
        {
            var bytes = await NextBytesAsync();
            using var frame = JsonDocument.Parse(bytes);
            if (frame.RootElement.GetProperty("type").GetString() == type)
            {
                return bytes;
            }
        }
    }

    public async Task<JsonElement> NextAsync() => JsonDocument.Parse(await NextBytesAsync()).RootElement.Clone();

    public async Task<JsonElement> NextOfTypeAsync(string type)
    {
        while (true)
        {
            var frame = await NextAsync();
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }
        }
    }

    public List<JsonElement> Drain()
    {
        var frames = new List<JsonElement>();
        while (_frames.Reader.TryRead(out var bytes))
        {
            frames.Add(JsonDocument.Parse(bytes).RootElement.Clone());
        }

        return frames;
    }

    public override string ToString() => User;
}
