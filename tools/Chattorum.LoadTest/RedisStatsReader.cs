using System.Net.Sockets;

namespace Chattorum.LoadTest;

/// <summary>
/// Reads <c>INFO commandstats</c> from each of the run's Redis servers, over a plain TCP connection of its own
/// (RESP, no client library). One connection and one <c>INFO</c> per server and reading.
/// </summary>
internal static class RedisStatsReader
{
    /// <summary>The command the tool itself sends, counted by Redis like any other.</summary>
    public const string OwnCommand = "info";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly byte[] Request = "*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n"u8.ToArray();
    private const int ChunkSize = 16 * 1024;

    /// <summary>The servers' counts added up (the servers of a cluster).</summary>
    public static async Task<CommandStats> ReadAsync(IReadOnlyList<RedisEndpoint> endpoints, CancellationToken cancellationToken) =>
        (await ReadEachAsync(endpoints, cancellationToken).ConfigureAwait(false)).Aggregate(CommandStats.Empty, (sum, stats) => sum.Plus(stats));

    /// <summary>Each server's counts, in the order of <paramref name="endpoints"/>, read at the same time.</summary>
    public static Task<CommandStats[]> ReadEachAsync(IReadOnlyList<RedisEndpoint> endpoints, CancellationToken cancellationToken) =>
        Task.WhenAll(endpoints.Select(e => ReadAsync(e, cancellationToken)));

    public static async Task<CommandStats> ReadAsync(RedisEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint.Host, endpoint.Port, deadline.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(Request, deadline.Token).ConfigureAwait(false);

            using var received = new MemoryStream();
            var chunk = new byte[ChunkSize];
            string? info;
            while (!RespReply.TryReadBulkString(received.GetBuffer().AsSpan(0, (int)received.Length), out info))
            {
                var read = await stream.ReadAsync(chunk, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidOperationException("the connection closed before the whole answer came");
                }

                received.Write(chunk, 0, read);
            }

            return CommandStats.Parse(info!);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException or InvalidOperationException or FormatException
                                          && !cancellationToken.IsCancellationRequested)
        {
            var reason = exception is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds} s" : exception.Message;
            throw new InvalidOperationException($"--redis {endpoint}: cannot read INFO commandstats: {reason}", exception);
        }
    }
}
