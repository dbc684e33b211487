using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.Messaging;

/// <summary>
/// Publishes persistent messages as mandatory and waits for the broker's confirm, one at a time on one channel.
/// A publish that fails or is not confirmed in time throws, and the channel is replaced: after a broker
/// restart a recovered channel can leave a confirm pending forever (rabbitmq-dotnet-client#1930), so no
/// publish waits without a deadline and no suspect channel is used twice.
/// </summary>
public sealed class ConfirmingPublisher(BrokerConnection broker) : IAsyncDisposable
{
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1);
    private IChannel? _channel;

    /// <summary>
    /// Throws <see cref="PublishReturnException"/> when no queue is bound for the routing key, and
    /// <see cref="BrokerUnavailableException"/> when the broker is away or did not confirm in time.
    /// </summary>
    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!broker.Connected.IsCompletedSuccessfully || !broker.IsOpen)
        {
            throw new BrokerUnavailableException("RabbitMQ is unreachable");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConfirmTimeout);
            _channel ??= await broker.Connected.Result.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                timeout.Token).ConfigureAwait(false);
            await _channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, timeout.Token).ConfigureAwait(false);
        }
        catch (PublishReturnException)
        {
            throw;
        }
        catch (Exception exception) when (exception is PublishException or AlreadyClosedException or OperationInterruptedException
            or BrokerUnreachableException or OperationCanceledException or IOException)
        {
            await DiscardChannelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new BrokerUnavailableException($"RabbitMQ did not confirm the message: {exception.Message}", exception);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DiscardChannelAsync()
    {
        var channel = _channel;
        _channel = null;
        if (channel is not null)
        {
            try
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
            {
                // It was broken already.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DiscardChannelAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

public sealed class BrokerUnavailableException : Exception
{
    public BrokerUnavailableException(string message) : base(message)
    {
    }

    public BrokerUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }

    public BrokerUnavailableException()
    {
    }
}
