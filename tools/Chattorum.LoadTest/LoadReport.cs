using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chattorum.LoadTest;

/// <summary>A server process's CPU and memory over the measurement; memory growth per connection in idle runs.</summary>
internal sealed record ProcessReport(int Pid, string Name, double CpuSeconds, double CpuPercent, double RssMbStart, double RssMbEnd, double RssKbPerConnection)
{
    public static ProcessReport From(ProcessSample start, ProcessSample end, int connections)
    {
        var cpuSeconds = (end.CpuTicks - start.CpuTicks) / (double)ProcessSample.ClockTicksPerSecond;
        var wallSeconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        return new ProcessReport(
            start.Pid,
            start.Name,
            cpuSeconds,
            Math.Round(wallSeconds > 0 ? cpuSeconds / wallSeconds * 100 : 0, 1),
            Math.Round(start.RssKb / 1024.0, 1),
            Math.Round(end.RssKb / 1024.0, 1),
            connections > 0 ? Math.Round((end.RssKb - start.RssKb) / (double)connections, 2) : 0);
    }
}

/// <summary>The outcome of a run: a summary for people, then one JSON line for scripts.</summary>
internal sealed record LoadReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public required string Scenario { get; init; }

    public required string RunId { get; init; }

    /// <summary>The server's protocol (<c>--protocol</c>): <c>chattorum</c>, or <c>gorilla</c> for the Go hub it is compared with.</summary>
    public string Protocol { get; init; } = ChattorumProtocol.ProtocolName;

    public bool Idle { get; init; }

    /// <summary>An <c>--idle-cost</c> run: the window measured what the servers do for connections that say nothing.</summary>
    public bool IdleCost { get; init; }

    public int Connections { get; init; }

    /// <summary>Connections that opened and joined their room.</summary>
    public int Connected { get; init; }

    public int Nodes { get; init; }

    public int Rooms { get; init; }

    public int RoomsPerConnection { get; init; } = 1;

    public int Senders { get; init; }

    /// <summary>Distinct users of the connections; 0 when the protocol has none (gorilla).</summary>
    public int Users { get; init; }

    /// <summary>The users' tokens were made with the nodes' signing key (<c>--signing-key</c>), not signed up for.</summary>
    public bool MintedTokens { get; init; }

    /// <summary>Messages a second per sender; 0 for <c>--rate max</c>.</summary>
    public double Rate { get; init; }

    public int InFlightLimit { get; init; }

    public double DurationSeconds { get; init; }

    public double WarmupSeconds { get; init; }

    public int Size { get; init; }

    /// <summary>Messages sent in the measured window.</summary>
    public long Sent { get; init; }

    public double SentPerSecond { get; init; }

    /// <summary>Every message sent, warm-up included.</summary>
    public long SentTotal { get; init; }

    public long Acked { get; init; }

    /// <summary>Sends answered by an error: not stored, so not expected by anyone.</summary>
    public long Rejected { get; init; }

    /// <summary>Sends with neither an ack nor an error when the drain ended.</summary>
    public long Unacked { get; init; }

    /// <summary>Receipts of messages sent in the measured window, each receiver counting once.</summary>
    public long Deliveries { get; init; }

    public double DeliveriesPerSecond { get; init; }

    public long LatencySamples { get; init; }

    public double P50Ms { get; init; }

    public double P90Ms { get; init; }

    public double P99Ms { get; init; }

    public double P999Ms { get; init; }

    public double MaxMs { get; init; }

    public double MeanMs { get; init; }

    public long Lost { get; init; }

    public long Duplicated { get; init; }

    public long Reordered { get; init; }

    /// <summary>Receivers whose messages came in another order than their room's other receivers with as many.</summary>
    public long OrderMismatches { get; init; }

    /// <summary>Message ids not above the one a receiver got before.</summary>
    public long IdRegressions { get; init; }

    public double DrainSeconds { get; init; }

    /// <summary>
    /// Receivers (the <c>--connections</c>, not the stopped readers) whose connection the server ended during the
    /// run: with a close frame, or by dropping the connection. Each is an error (<c>closed</c>) as well.
    /// </summary>
    public int ClosedByServer { get; init; }

    /// <summary><see cref="ClosedByServer"/> by how: the close status (<c>1008</c>...), or <c>aborted</c> without a close frame.</summary>
    public IReadOnlyDictionary<string, int> CloseCodes { get; init; } = new Dictionary<string, int>();

    /// <summary>The <c>--stopped-readers</c>: each must be ended by the server within <see cref="StoppedReaderLimitSeconds"/> of stopping.</summary>
    public IReadOnlyList<StoppedReaderReport> StoppedReaders { get; init; } = [];

    public double StoppedReaderLimitSeconds { get; init; } = StoppedReader.DropLimitSeconds;

    public long Errors { get; init; }

    public IReadOnlyDictionary<string, long> ErrorCounts { get; init; } = new Dictionary<string, long>();

    /// <summary>Idle runs: the processes' resident memory growth per connection, added up.</summary>
    public double RssKbPerConnection { get; init; }

    public IReadOnlyList<ProcessReport> Processes { get; init; } = [];

    /// <summary>The load tool's own CPU, GC pauses and memory over the measured window.</summary>
    public ToolReport? Tool { get; init; }

    /// <summary>The Redis servers' commands in the measured window (<c>--redis</c>); null without.</summary>
    public RedisReport? Redis { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> ErrorDetails { get; init; } = [];

    /// <summary>A few of the acknowledged messages some receiver never got, to start looking from.</summary>
    public IReadOnlyList<string> LostExamples { get; init; } = [];

    [JsonIgnore]
    public bool Passed =>
        Lost == 0 && Duplicated == 0 && Reordered == 0 && OrderMismatches == 0 && IdRegressions == 0 && Errors == 0 &&
        ClosedByServer == 0 && StoppedReaders.All(r => r.Passed);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void WriteSummary(TextWriter output)
    {
        void Write(FormattableString line) => output.WriteLine(FormattableString.Invariant(line));

        var perConnection = RoomsPerConnection > 1 ? FormattableString.Invariant($" ({RoomsPerConnection} per connection)") : "";
        var tokens = MintedTokens ? " (tokens made by the tool)" : "";
        var users = Users > 0 ? FormattableString.Invariant($", {Users} user(s){tokens}") : "";
        var server = Protocol == ChattorumProtocol.ProtocolName ? "Chattorum" : Protocol;
        Write($"{server} load test {RunId} ({Scenario}): {Connected} of {Connections} connections joined, over {Nodes} node(s), {Rooms} room(s){perConnection}{users}");
        if (IdleCost)
        {
            Write($"  held idle for {DurationSeconds} s, measured after {WarmupSeconds} s of settling once every connection had joined");
        }
        else if (!Idle)
        {
            var rate = Rate > 0 ? FormattableString.Invariant($"{Rate}/s each") : $"as fast as acked, {InFlightLimit} in flight each";
            Write($"  {Senders} sender(s) at {rate}, {Size}-byte messages, measured {DurationSeconds} s after {WarmupSeconds} s of warm-up");
            Write($"  sent         {Sent:N0} in the window ({SentPerSecond:N1}/s); {SentTotal:N0} in all, {Acked:N0} acked, {Rejected:N0} rejected, {Unacked:N0} unacked");
            Write($"  deliveries   {Deliveries:N0} ({DeliveriesPerSecond:N1}/s)");
            Write($"  latency      p50 {P50Ms:0.###} ms, p90 {P90Ms:0.###} ms, p99 {P99Ms:0.###} ms, p99.9 {P999Ms:0.###} ms, max {MaxMs:0.###} ms ({LatencySamples:N0} samples)");
            Write($"  lost {Lost}, duplicated {Duplicated}, reordered {Reordered}, order mismatches {OrderMismatches}, id regressions {IdRegressions} (drained in {DrainSeconds:0.00} s)");
            var codes = CloseCodes.Count == 0 ? "" : $" ({string.Join(", ", CloseCodes.Select(c => FormattableString.Invariant($"{c.Key}: {c.Value}")))})";
            Write($"  closed       {ClosedByServer} of the {Connected} connections closed by the server{codes}");
            foreach (var reader in StoppedReaders)
            {
                output.WriteLine($"  {reader.Describe()}");
            }
        }
        else
        {
            Write($"  held for {DurationSeconds} s without messages: {RssKbPerConnection:N2} KB of resident memory per connection in all");
        }

        WriteRedis(output);
        foreach (var process in Processes)
        {
            var memory = Idle ? FormattableString.Invariant($" ({process.RssKbPerConnection:N2} KB per connection)") : "";
            var cpu = IdleCost ? FormattableString.Invariant($"{process.CpuPercent:0.00}") : FormattableString.Invariant($"{process.CpuPercent:0.0}");
            Write($"  pid {process.Pid} ({process.Name}): cpu {process.CpuSeconds:0.00} s ({cpu} % of a core), rss {process.RssMbStart:N1} -> {process.RssMbEnd:N1} MB{memory}");
        }

        if (Tool is { } tool)
        {
            Write($"  load tool    cpu {tool.CpuPercent:0.0} % of a core, GC pauses {tool.GcPauseMs:N0} ms ({tool.Gen2Collections} full), rss {tool.RssMb:N1} MB");
        }

        foreach (var example in LostExamples)
        {
            output.WriteLine($"    lost: {example}");
        }

        Write($"  errors {Errors}{string.Concat(ErrorCounts.Select(e => $", {e.Key} {e.Value}"))}");
        foreach (var detail in ErrorDetails)
        {
            output.WriteLine($"    {detail}");
        }

        output.WriteLine(Passed ? "PASSED" : "FAILED");
    }

    private void WriteRedis(TextWriter output)
    {
        if (Redis is not { } redis)
        {
            return;
        }

        var perDelivery = redis.CommandsPerDelivery is { } ratio ? FormattableString.Invariant($", {ratio:0.###} per delivered message") : "";
        output.WriteLine(FormattableString.Invariant(
            $"  redis        {redis.Commands:N0} commands in {redis.Seconds:0.0} s: {redis.CommandsPerSecond:N1}/s{perDelivery} ({string.Join(", ", redis.Servers)})"));
        if (redis.Top.Count > 0)
        {
            output.WriteLine(FormattableString.Invariant(
                $"  redis top    {string.Join(", ", redis.Top.Select(c => FormattableString.Invariant($"{c.Command} {c.Calls:N0} ({c.PerSecond:N1}/s)")))}"));
        }

        if (redis.PerServer.Count > 1)
        {
            output.WriteLine($"  redis shards {FormatPerServer(redis.PerServer)}");
        }
    }

    /// <summary>Each server's commands in the window and its share of them: <c>127.0.0.1:23484 1,761 (33.4 %), ...</c>.</summary>
    public static string FormatPerServer(IEnumerable<RedisServerCount> servers) =>
        string.Join(", ", servers.Select(s => FormattableString.Invariant($"{s.Server} {s.Commands:N0} ({s.SharePercent:0.0} %)")));
}
