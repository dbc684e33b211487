using System.Globalization;
using System.Text;

namespace Chattorum.LoadTest;

/// <summary>Reads the command line; every problem is an <see cref="ArgumentException"/> whose message says what to fix.</summary>
internal static class LoadOptionsParser
{
    public const int MaxConnections = 100_000;
    public const int MaxSize = 2_000;

    /// <summary>The rooms one connection may be in (the server's <c>ChatLimits.MaxRoomsPerConnection</c>).</summary>
    public const int MaxRoomsPerConnection = 32;

    public const int MaxStoppedReaders = 1_000;

    public const string Usage = """
        Load test for Chattorum chat nodes (or, with --protocol gorilla, the gorilla/websocket chat example they are
        compared with): many WebSocket clients in rooms, some of them sending; reports deliveries a second, latency
        percentiles, lost, duplicated and reordered messages, and the servers' CPU and memory.

        usage: dotnet run -c Release --project tools/Chattorum.LoadTest -- [options]

          --url URL          a chat node (default http://127.0.0.1:5170); repeat it or separate with commas for
                             several nodes: connections are spread over them round-robin
          --protocol P       the server's protocol: chattorum (default), or gorilla: the gorilla/websocket chat
                             example (GET /ws, every message to every client, the sender too): no users or tokens
                             (--users and --signing-key are ignored), one room (--rooms 1), messages of at most
                             512 bytes (--size); a sender's own message coming back is its ack, and receivers
                             compare the order they got the messages in (there are no message ids)
          --connections C    WebSocket connections (default 100), opened at most 64 at a time
          --rooms R          rooms (default 1); connection i joins room i % R
          --rooms-per-connection N
                             rooms each connection joins (default 1, at most 32 and at most R): connection i
                             joins rooms (i*N + k) % R for k below N, so every room gets C*N/R members; a sender
                             sends to its first room (sender i is in room i when N is 1)
          --senders S        the first S connections also send (default 1)
          --rate N|max       messages a second per sender (default 5), or max: as fast as the acks allow, with at
                             most --in-flight sends not yet acknowledged per sender. A node accepts 10 frames a
                             second per connection (bursts of 20) unless Chat:RatePerSecond and Chat:RateBurst
                             raise it, and answers more with rate_limited errors.
          --in-flight K      unacknowledged sends per sender with --rate max (default 16)
          --duration D       seconds measured (default 15)
          --warmup W         seconds sent before the measurement starts (default 3)
          --size B           message text length in bytes (default 100; at least the ~40-byte header is sent)
          --users U          users (default the smaller of C and 50); connection i is user i % U
          --signing-key KEY  the nodes' Auth:SigningKey (Auth__SigningKey): the tool makes each user's token itself
                             (as a node would issue it) instead of signing the users up, which costs a node
                             ~38 ms of a core per user; for runs of thousands of distinct users
          --pids P,P         server processes (chat nodes, redis-server) whose CPU and memory to report
          --redis HOST:PORT  a Redis server (or several, separated by commas: a cluster's, added up) whose
                             INFO commandstats to read at the start and end of the measured window: reports
                             the commands in the window, a second, per delivered message, and the most called;
                             with several, also each server's commands and its share of the total
          --idle             no messages: open and join the connections, hold them for --duration seconds and
                             report the servers' memory per connection (after opening and closing a first
                             batch of up to 500 and waiting --warmup seconds, so one-time costs are not counted)
          --idle-cost        no messages: open and join the connections, wait --warmup seconds for it to settle,
                             then measure --duration seconds of idleness: Redis commands a second (with
                             --redis) and each --pids process's CPU, in % of one core
          --stopped-readers N
                             N more connections (default 0), each a user of its own with a 4 KiB receive buffer,
                             not counted as receivers, that join their rooms like the others, read for 1 s and
                             then stop reading; the report says how long after it stopped the server ended each
                             one's connection, and the run fails when one is still connected 15 s after it
                             stopped reading (the bar of a node's slow-reader drop). Not with --idle/--idle-cost
          --json-only        print only the final JSON line
          --scenario NAME    the run's name in its report (default idle, idle-cost, fixed-rate or max-rate)
          --help             this text

        Exit code: 0 when nothing was lost, duplicated or reordered, the server closed no connection (other than
        the stopped readers', each within 15 s) and there were no errors; 1 otherwise; 2 for bad arguments.
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        List<Uri>? urls = null;
        List<RedisEndpoint>? redis = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--url":
                    urls ??= [];
                    urls.AddRange(ParseUrls(Value()));
                    break;
                case "--protocol": options = options with { Protocol = ParseProtocol(Value()) }; break;
                case "--connections": options = options with { Connections = Integer(name, Value(), 1, MaxConnections) }; break;
                case "--rooms": options = options with { Rooms = Integer(name, Value(), 1, MaxConnections) }; break;
                case "--rooms-per-connection": options = options with { RoomsPerConnection = Integer(name, Value(), 1, MaxRoomsPerConnection) }; break;
                case "--senders": options = options with { Senders = Integer(name, Value(), 1, MaxConnections) }; break;
                case "--rate": options = options with { Rate = ParseRate(Value()) }; break;
                case "--in-flight": options = options with { InFlight = Integer(name, Value(), 1, 100_000) }; break;
                case "--duration": options = options with { DurationSeconds = Seconds(name, Value(), allowZero: false) }; break;
                case "--warmup": options = options with { WarmupSeconds = Seconds(name, Value(), allowZero: true) }; break;
                case "--size": options = options with { Size = Integer(name, Value(), 1, MaxSize) }; break;
                case "--users": options = options with { Users = Integer(name, Value(), 1, MaxConnections) }; break;
                case "--pids": options = options with { Pids = ParsePids(Value()) }; break;
                case "--redis":
                    redis ??= [];
                    redis.AddRange(RedisEndpoint.ParseList(Value()));
                    break;
                case "--signing-key": options = options with { SigningKey = ParseSigningKey(Value()) }; break;
                case "--idle": options = options with { Idle = true }; break;
                case "--idle-cost": options = options with { IdleCost = true }; break;
                case "--stopped-readers": options = options with { StoppedReaders = Integer(name, Value(), 0, MaxStoppedReaders) }; break;
                case "--json-only": options = options with { JsonOnly = true }; break;
                case "--scenario": options = options with { Label = Value() }; break;
                case "-h" or "--help": return options with { Help = true };
                default: throw new ArgumentException($"unknown option '{name}'");
            }
        }

        options = urls is null ? options : options with { Urls = urls };
        options = redis is null ? options : options with { RedisEndpoints = redis };
        NoMoreThanConnections("--rooms", options.Rooms, options);
        if (options.Protocol.Authenticates)
        {
            NoMoreThanConnections("--users", options.UserCount, options);
        }

        CheckProtocolLimits(options);
        if (!options.Holds)
        {
            NoMoreThanConnections("--senders", options.Senders, options);
        }

        if (options.RoomsPerConnection > options.Rooms)
        {
            throw new ArgumentException($"--rooms-per-connection ({options.RoomsPerConnection}) cannot be more than --rooms ({options.Rooms}): a connection's rooms are distinct");
        }

        if (options.Idle && options.IdleCost)
        {
            throw new ArgumentException("--idle and --idle-cost are two different runs: give one");
        }

        if (options.StoppedReaders > 0 && options.Holds)
        {
            throw new ArgumentException("--stopped-readers needs messages to stop reading: it cannot go with --idle or --idle-cost");
        }

        return options;
    }

    private static List<Uri> ParseUrls(string value)
    {
        var urls = new List<Uri>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.PathAndQuery != "/")
            {
                throw new ArgumentException($"--url must be an http:// or https:// address of a chat node, such as {LoadOptions.DefaultUrl}, not '{part}'");
            }

            urls.Add(url);
        }

        return urls;
    }

    private static IWireProtocol ParseProtocol(string value) => value switch
    {
        ChattorumProtocol.ProtocolName => ChattorumProtocol.Instance,
        GorillaProtocol.ProtocolName => GorillaProtocol.Instance,
        _ => throw new ArgumentException($"--protocol must be {ChattorumProtocol.ProtocolName} or {GorillaProtocol.ProtocolName}, not '{value}'"),
    };

    /// <summary>What the server of <c>--protocol</c> cannot do: more rooms than it has, longer messages than it takes.</summary>
    private static void CheckProtocolLimits(LoadOptions options)
    {
        var protocol = options.Protocol;
        var rooms = protocol.MaxRooms == 1
            ? "one room, which every client is in"
            : string.Create(CultureInfo.InvariantCulture, $"at most {protocol.MaxRooms} rooms");
        foreach (var (name, value) in new[] { ("--rooms", options.Rooms), ("--rooms-per-connection", options.RoomsPerConnection) })
        {
            if (value > protocol.MaxRooms)
            {
                throw new ArgumentException($"--protocol {protocol.Name} has {rooms}: {name} must be at most {protocol.MaxRooms}, not {value}");
            }
        }

        if (options.Size > protocol.MaxSize)
        {
            throw new ArgumentException($"--protocol {protocol.Name} closes a connection that sends a message over {protocol.MaxSize} bytes: --size must be at most {protocol.MaxSize}, not {options.Size}");
        }
    }

    private static double? ParseRate(string value)
    {
        if (value == "max")
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate > 0 && rate <= 1_000_000
            ? rate
            : throw new ArgumentException($"--rate must be messages a second (above 0, at most 1000000) or 'max', not '{value}'");
    }

    private static string ParseSigningKey(string value) =>
        Encoding.UTF8.GetByteCount(value) >= TokenMinter.MinSigningKeyBytes
            ? value
            : throw new ArgumentException($"--signing-key must be the nodes' Auth:SigningKey, at least {TokenMinter.MinSigningKeyBytes} bytes (this one is {Encoding.UTF8.GetByteCount(value)})");

    private static int[] ParsePids(string value)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        var pids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out pids[i]) || pids[i] == 0)
            {
                throw new ArgumentException($"--pids must be process ids separated by commas, not '{value}'");
            }
        }

        return pids;
    }

    private static int Integer(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{value}'");

    private static double Seconds(string name, string value, bool allowZero) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && (seconds > 0 || (allowZero && seconds == 0)) && seconds <= 86_400
            ? seconds
            : throw new ArgumentException($"{name} must be a number of seconds {(allowZero ? "from 0 to 86400" : "above 0, at most 86400")}, not '{value}'");

    private static void NoMoreThanConnections(string name, int value, LoadOptions options)
    {
        if (value > options.Connections)
        {
            throw new ArgumentException($"{name} ({value}) cannot be more than --connections ({options.Connections})");
        }
    }
}
