namespace Chattorum.ChatApi.Connections;

/// <summary>
/// Once a <see cref="ChatLimits.StallSweepInterval"/>, drops every connection whose current write has been blocked
/// for <see cref="ChatLimits.WriteStallTimeout"/>: a client that stopped reading in a room too quiet for the hub
/// to notice at its next frame. One timer per node, none per connection.
/// </summary>
public sealed class StalledWriterSweep(ChatConnections connections, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ChatLimits.StallSweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Sweep();
            }
        }
        catch (OperationCanceledException)
        {
            // The node is stopping.
        }
    }

    /// <summary>Drops the stalled connections; how many it dropped.</summary>
    public int Sweep()
    {
        var now = time.GetTimestamp();
        var dropped = 0;
        foreach (var client in connections.Open)
        {
            if (client.AbortIfStalled(now))
            {
                dropped++;
            }
        }

        return dropped;
    }
}
