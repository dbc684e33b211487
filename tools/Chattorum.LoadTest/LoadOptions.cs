namespace Chattorum.LoadTest;

/// <summary>One load-test run, as the command line describes it (see <see cref="LoadOptionsParser.Usage"/>).</summary>
internal sealed record LoadOptions
{
    public static readonly Uri DefaultUrl = new("http://127.0.0.1:5170");

    public IReadOnlyList<Uri> Urls { get; init; } = [DefaultUrl];

    /// <summary>How to talk to the server (<c>--protocol</c>): Chattorum's, or the gorilla/websocket chat example's.</summary>
    public IWireProtocol Protocol { get; init; } = ChattorumProtocol.Instance;

    public int Connections { get; init; } = 100;

    public int Rooms { get; init; } = 1;

    /// <summary>Rooms each connection joins (see <see cref="RoomLayout"/>).</summary>
    public int RoomsPerConnection { get; init; } = 1;

    public int Senders { get; init; } = 1;

    /// <summary>Messages a second per sender; null is <c>--rate max</c>, as fast as <see cref="InFlight"/> allows.</summary>
    public double? Rate { get; init; } = 5;

    public int InFlight { get; init; } = 16;

    public double DurationSeconds { get; init; } = 15;

    public double WarmupSeconds { get; init; } = 3;

    public int Size { get; init; } = 100;

    /// <summary>Users (accounts signed up, or tokens minted with <see cref="SigningKey"/>); connection i is user i % Users.</summary>
    public int? Users { get; init; }

    public IReadOnlyList<int> Pids { get; init; } = [];

    /// <summary>Connect, join and hold without sending, to measure the servers' memory per connection.</summary>
    public bool Idle { get; init; }

    /// <summary>Connect, join, let it settle, then hold without sending, to measure what the servers do for idle connections.</summary>
    public bool IdleCost { get; init; }

    /// <summary>Redis servers whose <c>INFO commandstats</c> the report compares across the measured window.</summary>
    public IReadOnlyList<RedisEndpoint> RedisEndpoints { get; init; } = [];

    /// <summary>The nodes' <c>Auth:SigningKey</c>: the tool then makes its users' tokens instead of signing them up.</summary>
    public string? SigningKey { get; init; }

    /// <summary>Extra connections (<c>--stopped-readers</c>) that join, read for a second, then stop reading (see <see cref="StoppedReader"/>).</summary>
    public int StoppedReaders { get; init; }

    public bool JsonOnly { get; init; }

    /// <summary>A name for the run in its report (<c>--scenario</c>), e.g. the benchmark it stands for.</summary>
    public string? Label { get; init; }

    public bool Help { get; init; }

    public int UserCount => Users ?? Math.Min(Connections, 50);

    /// <summary>No messages: <see cref="Idle"/> or <see cref="IdleCost"/>.</summary>
    public bool Holds => Idle || IdleCost;

    public string Scenario => Label ?? (IdleCost ? "idle-cost" : Idle ? "idle" : Rate is null ? "max-rate" : "fixed-rate");
}
