using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;

namespace Chattorum.LoadTest;

/// <summary>
/// One run: sign the users up (or make their tokens) when the protocol authenticates, open and join every connection, then send and measure
/// (warm-up, measured window, drain), or hold the connections idle (memory per connection, or idle cost);
/// close everything and report.
/// </summary>
internal static class LoadRunner
{
    private const int ConnectConcurrency = 64;
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connections an idle run opens and closes before it measures.</summary>
    private const int IdleWarmUpConnections = 500;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static string RoomName(string runId, int room) => string.Create(CultureInfo.InvariantCulture, $"lt-{runId}-{room}");

    public static string UserName(string runId, int user) => string.Create(CultureInfo.InvariantCulture, $"lt{runId}u{user}");

    public static async Task<LoadReport> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        using var run = new RunContext(runId, new RoomLayout(options.Rooms, options.RoomsPerConnection, options.Holds ? 0 : options.Senders), options.Protocol);
        CheckPids(options.Pids);
        OpenFilesLimit.Check(options.Connections + options.StoppedReaders, OpenFilesLimit.Read());

        // Whether --redis answers, before thousands of connections open.
        await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
        var users = !options.Protocol.Authenticates ? "no users"
            : string.Create(CultureInfo.InvariantCulture, $"{options.UserCount} user(s){(options.SigningKey is null ? "" : " with tokens made here")}");
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {runId} ({options.Scenario}, {options.Protocol.Name}): {options.Connections} connections over {options.Urls.Count} node(s), {options.Rooms} room(s), {options.RoomsPerConnection} per connection, {users}")).ConfigureAwait(false);

        // A protocol without authentication has no users: every connection opens without a token.
        string[] tokens = options.Protocol.Authenticates ? await UserTokens.GetAsync(options, runId, cancellationToken).ConfigureAwait(false) : [];
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { ConnectTimeout = OpenTimeout });
        var connections = new LoadConnection?[options.Connections];
        var stoppedReaders = new List<StoppedReader>();
        try
        {
            if (options.Idle && options.WarmupSeconds > 0)
            {
                await WarmUpIdleAsync(options, run, tokens, invoker, log, cancellationToken).ConfigureAwait(false);
            }

            var beforeConnecting = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
            await OpenAllAsync(options, run, tokens, invoker, connections, log, cancellationToken).ConfigureAwait(false);
            var open = connections.OfType<LoadConnection>().ToArray();
            if (options.IdleCost)
            {
                return await MeasureIdleCostAsync(options, run, open, log, cancellationToken).ConfigureAwait(false);
            }

            if (options.Idle)
            {
                return await HoldAsync(options, run, open, beforeConnecting, log, cancellationToken).ConfigureAwait(false);
            }

            await OpenStoppedReadersAsync(options, run, stoppedReaders, log, cancellationToken).ConfigureAwait(false);
            return await SendAndMeasureAsync(options, run, open, stoppedReaders, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var reader in stoppedReaders)
            {
                reader.Dispose();
            }

            await CloseAllAsync(connections).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens, joins and closes a first batch before an idle run measures, so that the servers' one-time costs
    /// (compiling the connection path, pools filling) are not counted as memory per connection.
    /// </summary>
    private static async Task WarmUpIdleAsync(LoadOptions options, RunContext run, string[] tokens, HttpMessageInvoker invoker, TextWriter log, CancellationToken cancellationToken)
    {
        var warmUp = options with { Connections = Math.Min(options.Connections, IdleWarmUpConnections) };
        var connections = new LoadConnection?[warmUp.Connections];
        try
        {
            await OpenAllAsync(warmUp, run, tokens, invoker, connections, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseAllAsync(connections).ConfigureAwait(false);
        }

        await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken).ConfigureAwait(false);
    }

    private static async Task CloseAllAsync(LoadConnection?[] connections)
    {
        await Task.WhenAll(connections.OfType<LoadConnection>().Select(c => c.CloseAsync(CloseTimeout))).ConfigureAwait(false);
        foreach (var connection in connections)
        {
            connection?.Dispose();
        }
    }

    private static async Task OpenAllAsync(
        LoadOptions options, RunContext run, string[] tokens, HttpMessageInvoker invoker, LoadConnection?[] connections, TextWriter log, CancellationToken cancellationToken)
    {
        var started = Clock.Now;
        int joined = 0, failed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency, CancellationToken = cancellationToken };
        await using (LiveProgress.Start(log, elapsed => LiveProgress.Format(elapsed, $"connecting: {Volatile.Read(ref joined)} of {options.Connections} joined, {Volatile.Read(ref failed)} failed")))
        {
            await Parallel.ForAsync(0, options.Connections, parallel, async (i, token) =>
            {
                var layout = run.Layout;
                var sender = layout.IsSender(i)
                    ? new Sender(i, layout.SenderRoom(i), RoomName(run.RunId, layout.SenderRoom(i)), run, options.Size, options.Rate, options.InFlight)
                    : null;
                var connection = new LoadConnection(run.Protocol, new Receiver(i, run) { Sender = sender });
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(OpenTimeout);
                try
                {
                    await connection.OpenAsync(WebSocketUri(options.Urls[i % options.Urls.Count]), TokenOf(tokens, i), room => RoomName(run.RunId, room), invoker, timeout.Token).ConfigureAwait(false);
                    connections[i] = connection;
                    Interlocked.Increment(ref joined);
                }
                catch (Exception exception) when (!token.IsCancellationRequested && exception is WebSocketException or HttpRequestException or InvalidOperationException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    var reason = exception is OperationCanceledException ? $"not joined within {OpenTimeout.TotalSeconds} s" : exception.Message;
                    run.Errors.Add("connect_failed", $"connection {i}: {reason}");
                    await connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
                    connection.Dispose();
                }
            }).ConfigureAwait(false);
        }

        await log.WriteLineAsync(LiveProgress.Format(Stopwatch.GetElapsedTime(started), $"{joined} of {options.Connections} connections joined, {failed} failed")).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the <c>--stopped-readers</c> once the receivers have joined: users of their own, in the rooms the
    /// next connections would join, on the nodes they would use. Each reads for a second after its join, then stops.
    /// One that cannot join fails the run: there would be nothing to show.
    /// </summary>
    private static async Task OpenStoppedReadersAsync(LoadOptions options, RunContext run, List<StoppedReader> readers, TextWriter log, CancellationToken cancellationToken)
    {
        if (options.StoppedReaders == 0)
        {
            return;
        }

        var names = Enumerable.Range(0, options.StoppedReaders).Select(k => StoppedReader.UserName(run.RunId, k)).ToArray();
        string[] tokens = run.Protocol.Authenticates ? await UserTokens.GetAsync(options, names, cancellationToken).ConfigureAwait(false) : [];
        for (var k = 0; k < options.StoppedReaders; k++)
        {
            var i = options.Connections + k;
            var reader = new StoppedReader(run.Protocol, k, run.Layout.RoomsOf(i), options.Urls[i % options.Urls.Count]);
            readers.Add(reader);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(OpenTimeout);
            await reader.OpenAsync(TokenOf(tokens, k), room => RoomName(run.RunId, room), timeout.Token).ConfigureAwait(false);
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{options.StoppedReaders} stopped reader(s) joined: each reads for {StoppedReader.ReadSeconds} s, then stops reading, and must be dropped within {StoppedReader.DropLimitSeconds} s")).ConfigureAwait(false);
    }

    private static async Task<LoadReport> SendAndMeasureAsync(
        LoadOptions options, RunContext run, LoadConnection[] open, IReadOnlyList<StoppedReader> stoppedReaders, TextWriter log, CancellationToken cancellationToken)
    {
        var senders = open.Select(c => c.Receiver.Sender).OfType<Sender>().ToArray();
        var receivers = open.Select(c => c.Receiver).ToArray();
        var sendStart = Clock.Now;
        var windowStart = sendStart + Clock.Ticks(options.WarmupSeconds);
        var windowEnd = windowStart + Clock.Ticks(options.DurationSeconds);
        run.Window.Set(windowStart, windowEnd);

        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopSending.CancelAfter(Stopwatch.GetElapsedTime(Clock.Now, windowEnd));

        // Fixed-rate senders take turns across one interval rather than all sending at once.
        var stagger = options.Rate is { } rate && senders.Length > 0 ? Stopwatch.Frequency / rate / senders.Length : 0;
        var sending = open
            .Where(c => c.Receiver.Sender is not null)
            .Select((c, j) => c.Receiver.Sender!.RunAsync(frame => c.SendAsync(frame, cancellationToken), sendStart + (long)(j * stagger), stopSending.Token))
            .ToArray();

        ServerSnapshot atStart, atEnd;
        double drainSeconds;
        await using (LiveProgress.Start(log, new SendProgress(run, senders, receivers).Line))
        {
            await Clock.DelayUntilAsync(windowStart, cancellationToken).ConfigureAwait(false);
            atStart = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
            await Clock.DelayUntilAsync(windowEnd, cancellationToken).ConfigureAwait(false);
            atEnd = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(sending).ConfigureAwait(false);
            var draining = Clock.Now;
            await DrainAsync(senders, receivers, cancellationToken).ConfigureAwait(false);
            drainSeconds = Stopwatch.GetElapsedTime(draining).TotalSeconds;

            // Each stopped reader's verdict: ended by the server, or still connected at the bar (a longer run).
            await Task.WhenAll(stoppedReaders.Select(r => r.WaitAsync(cancellationToken))).ConfigureAwait(false);
        }

        var stopped = stoppedReaders.Select(r => StoppedReaderReport.From(r, sendStart)).ToArray();
        return Tally.Load(options, run, senders, receivers, stopped, atStart, atEnd, drainSeconds);
    }

    private static async Task<LoadReport> HoldAsync(LoadOptions options, RunContext run, LoadConnection[] open, ServerSnapshot before, TextWriter log, CancellationToken cancellationToken)
    {
        await using (LiveProgress.Start(log, elapsed => LiveProgress.Format(elapsed, $"idle: {OpenCount(open)} connections open")))
        {
            await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken).ConfigureAwait(false);
        }

        var after = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
        return Tally.Idle(options, run, open.Length, before, after);
    }

    /// <summary>
    /// Every connection has joined (with its history): waits the warm-up for the joins' aftermath (presence,
    /// first heartbeats, compilation) to pass, then measures the servers over the duration with nothing sent.
    /// </summary>
    private static async Task<LoadReport> MeasureIdleCostAsync(LoadOptions options, RunContext run, LoadConnection[] open, TextWriter log, CancellationToken cancellationToken)
    {
        var windowStart = Clock.Now + Clock.Ticks(options.WarmupSeconds);
        string Phase() => Clock.Now < windowStart ? "settling" : "measuring idle";
        ServerSnapshot atStart, atEnd;
        await using (LiveProgress.Start(log, elapsed => LiveProgress.Format(elapsed, $"{Phase()}: {OpenCount(open)} connections open")))
        {
            await Clock.DelayUntilAsync(windowStart, cancellationToken).ConfigureAwait(false);
            atStart = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken).ConfigureAwait(false);
            atEnd = await ServerSnapshot.TakeAsync(options, cancellationToken).ConfigureAwait(false);
        }

        return Tally.IdleCost(options, run, OpenCount(open), atStart, atEnd);
    }

    private static int OpenCount(LoadConnection[] open) => open.Count(c => !c.Receiver.ClosedUnexpectedly);

    /// <summary>
    /// Waits until every send is answered and every receiver has every acknowledged message of its room, or the
    /// drain timeout. Connections the server dropped are not waited for: nothing more will come on them; nor are the
    /// unanswered sends of a sender refused with <c>rate_limited</c> (the server drops some without an answer).
    /// </summary>
    private static async Task DrainAsync(Sender[] senders, Receiver[] receivers, CancellationToken cancellationToken)
    {
        var sendersByRoom = senders.ToLookup(s => s.Room);
        var live = receivers.Where(r => !r.ClosedUnexpectedly);
        bool Drained() =>
            live.All(r => r.Sender is not { InFlight: > 0, RateLimited: false }) &&
            live.All(r => r.Rooms.All(room => sendersByRoom[room].All(s => (r.TrackerOf(s.Index)?.Distinct ?? 0) >= s.Acked.Count)));

        var deadline = Clock.Now + Clock.Ticks(DrainTimeout.TotalSeconds);
        while (!Drained() && Clock.Now < deadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CheckPids(IReadOnlyList<int> pids)
    {
        try
        {
            foreach (var pid in pids)
            {
                ProcessSampler.Sample(pid);
            }
        }
        catch (InvalidOperationException exception)
        {
            throw new ArgumentException($"--pids: {exception.Message}", exception);
        }
    }

    /// <summary>Connection i's user's token (user i % users), or null when the protocol has no users.</summary>
    private static string? TokenOf(string[] tokens, int i) => tokens.Length == 0 ? null : tokens[i % tokens.Length];

    private static Uri WebSocketUri(Uri node) =>
        new UriBuilder(node) { Scheme = node.Scheme == Uri.UriSchemeHttps ? "wss" : "ws", Path = "/ws" }.Uri;

}
