using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chattorum.AppHost;

/// <summary>
/// A health check that speaks a little of the service's protocol through its endpoint.
/// A bare TCP connect is not enough: DCP's proxy accepts connections before the service listens.
/// </summary>
internal sealed class ProtocolHealthCheck(
    EndpointReference endpoint,
    ReadOnlyMemory<byte> request,
    Func<ReadOnlyMemory<byte>, bool> isHealthyReply,
    string expectation,
    string? host = null) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Redis: <c>PING</c> answered by <c>+PONG</c>. <paramref name="host"/> is the address the server binds, when it is
    /// not the endpoint's host name.
    /// </summary>
    public static ProtocolHealthCheck RedisPing(EndpointReference endpoint, string? host = null) => new(
        endpoint,
        "PING\r\n"u8.ToArray(),
        reply => reply.Span.StartsWith("+PONG"u8),
        "+PONG",
        host);

    /// <summary>
    /// A Redis Cluster node: <c>CLUSTER INFO</c> answered with <c>cluster_state:ok</c> (its first line), i.e. every slot is
    /// served as far as this node knows. <paramref name="host"/> is the address the node binds, when it is not the
    /// endpoint's host name.
    /// </summary>
    public static ProtocolHealthCheck RedisClusterStateOk(EndpointReference endpoint, string? host = null) => new(
        endpoint,
        "CLUSTER INFO\r\n"u8.ToArray(),
        reply => reply.Span.IndexOf("cluster_state:ok"u8) >= 0,
        "cluster_state:ok",
        host);

    /// <summary>
    /// RabbitMQ: the AMQP 0-9-1 protocol header answered by a frame (Connection.Start, a method frame: type 1).
    /// A broker that dislikes the header answers with its own header instead, which starts with 'A'.
    /// </summary>
    public static ProtocolHealthCheck AmqpHeader(EndpointReference endpoint) => new(
        endpoint,
        new byte[] { (byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 0, 9, 1 },
        reply => reply.Length >= 7 && reply.Span[0] == 1,
        "an AMQP method frame");

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("The endpoint has no port yet.");
        }

        var address = host ?? endpoint.Host;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(address, endpoint.Port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);

            var buffer = new byte[64];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
                if (isHealthyReply(buffer.AsMemory(0, read)))
                {
                    return HealthCheckResult.Healthy();
                }
            }

            return HealthCheckResult.Unhealthy($"Expected {expectation} from {address}:{endpoint.Port}, got {read} byte(s).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"No answer from {address}:{endpoint.Port} within {Timeout.TotalSeconds} s.");
        }
        catch (SocketException ex)
        {
            return HealthCheckResult.Unhealthy($"Cannot reach {address}:{endpoint.Port}.", ex);
        }
        catch (IOException ex)
        {
            return HealthCheckResult.Unhealthy($"Connection to {address}:{endpoint.Port} dropped.", ex);
        }
    }
}
