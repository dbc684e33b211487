namespace Chattorum.LoadTest;

/// <summary>Adds up what the senders and receivers counted into the run's report.</summary>
internal static class Tally
{
    private const int MaxLostExamples = 5;

    public static LoadReport Load(
        LoadOptions options, RunContext run, Sender[] senders, Receiver[] receivers, IReadOnlyList<StoppedReaderReport> stoppedReaders, ServerSnapshot atStart, ServerSnapshot atEnd, double drainSeconds)
    {
        foreach (var reader in stoppedReaders.Where(r => !r.Passed))
        {
            run.Errors.Add(reader.Failure is null ? "stopped_reader_not_dropped" : "stopped_reader_failed", reader.Describe());
        }

        // A connection the server dropped is an error ("closed"), and what it did not get is not counted as lost as well.
        var sendersByRoom = senders.ToLookup(s => s.Room);
        long lost = 0;
        var lostExamples = new List<string>();
        foreach (var receiver in receivers.Where(r => !r.ClosedUnexpectedly))
        {
            foreach (var sender in receiver.Rooms.SelectMany(room => sendersByRoom[room]))
            {
                var tracker = receiver.TrackerOf(sender.Index);
                var missing = tracker?.CountLost(sender.Acked) ?? sender.Acked.Count;
                lost += missing;
                if (missing > 0 && lostExamples.Count < MaxLostExamples)
                {
                    var first = tracker?.FirstLost(sender.Acked) ?? sender.Acked.FirstMissingFrom(new SeqSet());
                    lostExamples.Add($"connection {receiver.Index} missed {missing} acked message(s) of sender {sender.Index}, the first seq {first}");
                }
            }
        }

        var unacked = senders.Sum(s => s.InFlight);
        if (unacked > 0)
        {
            run.Errors.Add("unacked", $"{unacked} send(s) with neither an ack nor an error after the drain", unacked);
        }

        var trackers = receivers.SelectMany(r => r.Trackers).ToArray();
        var latency = LatencySummary.From(run.Latency.Snapshot());
        var seconds = run.Window.Seconds;
        var sent = senders.Sum(s => s.SentInWindow);
        var deliveries = receivers.Sum(r => r.Measured);
        var orders = receivers.SelectMany(r => r.Rooms.Select((room, k) => new ReceivedOrder(room, r.Orders[k].Count, r.Orders[k].Hash)));
        return Common(options, run, receivers.Length, RedisReport.From(atStart, atEnd, options.RedisEndpoints, deliveries)) with
        {
            Sent = sent,
            SentPerSecond = Math.Round(sent / seconds, 1),
            SentTotal = senders.Sum(s => s.Sent),
            Acked = senders.Sum(s => s.Acked.Count),
            Rejected = senders.Sum(s => s.Rejected),
            Unacked = unacked,
            Deliveries = deliveries,
            DeliveriesPerSecond = Math.Round(deliveries / seconds, 1),
            LatencySamples = latency.Count,
            P50Ms = latency.P50Ms,
            P90Ms = latency.P90Ms,
            P99Ms = latency.P99Ms,
            P999Ms = latency.P999Ms,
            MaxMs = latency.MaxMs,
            MeanMs = latency.MeanMs,
            Lost = lost,
            LostExamples = lostExamples,
            Duplicated = trackers.Sum(t => t.Duplicates),
            Reordered = trackers.Sum(t => t.Reordered),
            OrderMismatches = OrderCheck.CountMismatches(orders),
            IdRegressions = receivers.Sum(r => r.Orders.Sum(o => o.Regressions)),
            DrainSeconds = Math.Round(drainSeconds, 3),
            ClosedByServer = receivers.Count(r => r.ClosedUnexpectedly),
            CloseCodes = receivers
                .Where(r => r.ClosedUnexpectedly)
                .GroupBy(r => r.CloseKind ?? "unknown", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            StoppedReaders = stoppedReaders,
            Processes = Processes(atStart, atEnd, connections: 0),
            Tool = ToolReport.From(atStart.Tool, atEnd.Tool),
        };
    }

    public static LoadReport Idle(LoadOptions options, RunContext run, int connected, ServerSnapshot before, ServerSnapshot after)
    {
        var processes = Processes(before, after, connected);
        return Common(options, run, connected, RedisReport.From(before, after, options.RedisEndpoints, deliveries: null)) with
        {
            WarmupSeconds = options.WarmupSeconds,
            RssKbPerConnection = Math.Round(processes.Sum(p => p.RssKbPerConnection), 2),
            Processes = processes,
            Tool = ToolReport.From(before.Tool, after.Tool),
        };
    }

    /// <summary>The window's CPU and Redis commands, with every connection open and nothing sent.</summary>
    public static LoadReport IdleCost(LoadOptions options, RunContext run, int open, ServerSnapshot atStart, ServerSnapshot atEnd) =>
        Common(options, run, open, RedisReport.From(atStart, atEnd, options.RedisEndpoints, deliveries: null)) with
        {
            Processes = Processes(atStart, atEnd, connections: 0),
            Tool = ToolReport.From(atStart.Tool, atEnd.Tool),
        };

    private static ProcessReport[] Processes(ServerSnapshot start, ServerSnapshot end, int connections) =>
        [.. start.Processes.Zip(end.Processes, (first, last) => ProcessReport.From(first, last, connections))];

    private static LoadReport Common(LoadOptions options, RunContext run, int connected, RedisReport? redis)
    {
        if (redis is { CountsWentBack: true })
        {
            run.Errors.Add("redis_counts_went_back", "a Redis command count went down in the window (a restart, or CONFIG RESETSTAT): its figures are too low");
        }

        return new LoadReport
        {
            Scenario = options.Scenario,
            Protocol = options.Protocol.Name,
            Idle = options.Idle,
            IdleCost = options.IdleCost,
            RunId = run.RunId,
            Connections = options.Connections,
            Connected = connected,
            Nodes = options.Urls.Count,
            Rooms = options.Rooms,
            RoomsPerConnection = options.RoomsPerConnection,
            Senders = options.Holds ? 0 : options.Senders,
            Users = options.Protocol.Authenticates ? options.UserCount : 0,
            MintedTokens = options.Protocol.Authenticates && options.SigningKey is not null,
            Rate = options.Holds ? 0 : options.Rate ?? 0,
            InFlightLimit = options.Rate is null && !options.Holds ? options.InFlight : 0,
            DurationSeconds = options.DurationSeconds,
            WarmupSeconds = options.WarmupSeconds,
            Size = options.Size,
            Errors = run.Errors.Total,
            ErrorCounts = run.Errors.Counts,
            ErrorDetails = run.Errors.Details,
            Redis = redis,
        };
    }
}
