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
        try
        {
            await publisher.PublishAsync(
                CommandTopology.CommandsExchange,
                CommandTopology.RoutingKey(request.Command),
                MessageHeaders.ForRequest(request, System.Diagnostics.Activity.Current),
                CommandMessages.Serialize(request),
                CancellationToken.None).ConfigureAwait(false);
            return CommandOutcome.Queued;
        }
        catch (PublishReturnException)
        {
            return CommandOutcome.Unknown;
        }
        catch (BrokerUnavailableException exception)
        {
            LogPublishFailed(logger, request.Command, exception.Message);
            return CommandOutcome.Unreachable;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command /{Command} could not be published: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string command, string reason);
}
