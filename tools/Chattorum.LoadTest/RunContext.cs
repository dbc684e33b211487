using System.Collections.Concurrent;
using System.Diagnostics;

namespace Chattorum.LoadTest;

/// <summary>What every connection of one run shares.</summary>
/// <param name="protocol">How to talk to the server (<c>--protocol</c>); Chattorum's when not given.</param>
internal sealed class RunContext(string runId, RoomLayout layout, IWireProtocol? protocol = null) : IDisposable
{
    public string RunId { get; } = runId;

    public RoomLayout Layout { get; } = layout;

    public IWireProtocol Protocol { get; } = protocol ?? ChattorumProtocol.Instance;

    /// <summary><c>#&lt;runid&gt;:</c>, the start of every text this run sends.</summary>
    public byte[] Marker { get; } = MessageText.RunMarker(runId);

    public int SenderCount => Layout.Senders;

    public MeasureWindow Window { get; } = new();

    public LatencyRecorder Latency { get; } = new();

    public RunErrors Errors { get; } = new();

    public void Dispose() => Latency.Dispose();
}

/// <summary>
/// The measured part of the run, in <see cref="Stopwatch"/> timestamps: a message counts (latency, deliveries)
/// when it was sent inside it. Empty until the senders start.
/// </summary>
internal sealed class MeasureWindow
{
    private long _start = long.MaxValue;
    private long _end = long.MaxValue;

    public long Start => Volatile.Read(ref _start);

    public long End => Volatile.Read(ref _end);

    public double Seconds => (End - Start) / (double)Stopwatch.Frequency;

    public void Set(long start, long end)
    {
        Volatile.Write(ref _end, end);
        Volatile.Write(ref _start, start);
    }

    public bool Contains(long timestamp) => timestamp >= Start && timestamp < End;
}

/// <summary>Everything that went wrong, by kind (an error code, a close status), with the first few details.</summary>
internal sealed class RunErrors
{
    private const int MaxDetails = 10;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _details = new();

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<string, long> Counts => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public IReadOnlyList<string> Details => [.. _details];

    public void Add(string kind, string? detail = null, long count = 1)
    {
        _counts.AddOrUpdate(kind, count, (_, total) => total + count);
        if (detail is not null && _details.Count < MaxDetails)
        {
            _details.Enqueue(detail);
        }
    }
}
