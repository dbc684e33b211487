namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// Senders that each send "{name} {n}" to their room at a steady pace until stopped. A sender whose node goes
/// away stops; refused sends are simply not acked (the acks stay in each sender's client).
/// </summary>
public sealed class SteadyTraffic(IEnumerable<(ChatTestClient Client, string Room)> senders, TimeSpan interval) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task<int>[] _loops = [];

    public void Start() => _loops = [.. senders.Select(s => RunAsync(s.Client, s.Room))];

    private async Task<int> RunAsync(ChatTestClient sender, string room)
    {
        using var pace = new PeriodicTimer(interval);
        var sent = 0;
        try
        {
            while (await pace.WaitForNextTickAsync(_stop.Token))
            {
                await sender.SendMessageAsync(room, $"{sender.Name} {sent++}");
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            // Stopped, or the sender's own node went away.
        }

        return sent;
    }

    /// <summary>Stops every sender and returns how many messages they sent in all.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return (await Task.WhenAll(_loops)).Sum();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
