using Chattorum.Messaging;
using RabbitMQ.Client.Exceptions;

namespace Chattorum.ChatApi.Commands;

public enum CommandOutcome
{
    /// <summary>The broker confirmed it and routed it to a bot's queue.</summary>
    Queued,

    /// <summary>No bot is bound for the command: the broker returned it.</summary>
    Unknown,

    /// <summary>The broker is away or did not confirm in time.</summary>
    Unreachable,
}

/// <summary>
/// Publishes commands, persistent, with publisher confirms and as mandatory: the broker returns a command no
/// bot is bound for, so the chat keeps no list of commands and a new bot needs no change here.
/// </summary>
public sealed partial class CommandPublisher(ConfirmingPublisher publisher, ILogger<CommandPublisher> logger)
{
    public async Task<CommandOutcome> PublishAsync(CommandRequest request)
    {
        var routingKey = CommandTopology.RoutingKey(request.Command);
        using var span = MessagingTelemetry.StartSend(ChatTelemetry.Source, CommandTopology.CommandsExchange, routingKey, request.RequestId);
        try
        {
            await publisher.PublishAsync(
                CommandTopology.CommandsExchange,
                routingKey,
                MessageHeaders.ForRequest(request, span.Activity),
                CommandMessages.Serialize(request),
                CancellationToken.None).ConfigureAwait(false);
            return CommandOutcome.Queued;
        }
        catch (PublishReturnException)
        {
            // The broker's return comes after the library's publish span has ended: the failure goes on the caller's span.
            span.Fail("returned", "no bot is bound for the command");
            return CommandOutcome.Unknown;
        }
        catch (BrokerUnavailableException exception)
        {
            LogPublishFailed(logger, request.Command, exception.Message);
            span.Fail("unreachable", "RabbitMQ unreachable");
            return CommandOutcome.Unreachable;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command /{Command} could not be published: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string command, string reason);
}
