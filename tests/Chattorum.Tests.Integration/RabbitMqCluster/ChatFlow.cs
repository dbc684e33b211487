using System.Collections.Concurrent;
using System.Diagnostics;
using Chattorum.Tests.Integration.Support;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.RabbitMqCluster;

/// <summary>
/// Ordinary chat beside the commands: senders on every chat node post to one room at a steady pace, and a watcher
/// notes when each message reaches it, so a test can say how long the room ever went without one.
/// </summary>
public sealed class ChatFlow : IAsyncDisposable
{
    public static readonly TimeSpan SendInterval = TimeSpan.FromMilliseconds(200);

    private readonly ChatTestClient _watcher;
    private readonly string _room;
    private readonly SteadyTraffic _traffic;
    private readonly ConcurrentQueue<TimeSpan> _arrivals = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private Task _watching = Task.CompletedTask;

    private ChatFlow(ChatTestClient watcher, string room, List<(ChatTestClient, string)> senders)
    {
        _watcher = watcher;
        _room = room;
        Senders = [.. senders.Select(s => s.Item1)];
        _traffic = new SteadyTraffic(senders, SendInterval);
    }

    public IReadOnlyList<ChatTestClient> Senders { get; }

    /// <summary>Connects the watcher and one sender per node (user names start with <paramref name="users"/>) and starts them.</summary>
    public static async Task<ChatFlow> StartAsync(IReadOnlyList<IChatEndpoint> nodes, string room, string users)
    {
        var watcher = await ConnectAsync(nodes[0], $"{users}_watcher");
        await watcher.JoinAsync(room);
        var senders = new List<(ChatTestClient, string)>();
        foreach (var (node, i) in nodes.Select((node, i) => (node, i)))
        {
            var sender = await ConnectAsync(node, $"{users}_sender{i}");
            await sender.JoinAsync(room);
            senders.Add((sender, room));
        }

        var flow = new ChatFlow(watcher, room, senders);
        flow._watching = flow.WatchAsync();
        flow._traffic.Start();
        return flow;
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (IsMessageIn(await _watcher.NextAsync(TimeSpan.FromSeconds(1)), _room))
                {
                    _arrivals.Enqueue(_clock.Elapsed);
                }
            }
            catch (TimeoutException)
            {
                // A quiet second: the gap shows it.
            }
        }
    }

    /// <summary>How many messages reached the watcher.</summary>
    public int Received => _arrivals.Count;

    /// <summary>Stops the senders and the watcher; returns the longest time the watcher went without a message.</summary>
    public async Task<TimeSpan> StopAsync()
    {
        await _traffic.StopAsync();
        await _stop.CancelAsync();
        await _watching;
        var times = _arrivals.ToList();
        return times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.MaxValue).Max();
    }

    public async ValueTask DisposeAsync()
    {
        await _traffic.DisposeAsync();
        await _stop.CancelAsync();
        await _watching;
        await _watcher.DisposeAsync();
        foreach (var sender in Senders)
        {
            await sender.DisposeAsync();
        }

        _stop.Dispose();
    }
}
