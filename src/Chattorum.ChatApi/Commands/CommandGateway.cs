using Chattorum.ChatApi.Backplane;
using Chattorum.ChatApi.Protocol;
using Chattorum.Messaging;

namespace Chattorum.ChatApi.Commands;

/// <summary>
/// The one way a connection starts a command: counts it against its user's command window (in Redis, so across
/// connections and nodes), hands it to whichever bot answers its name, and says how that went as the frame for its
/// sender: <c>queued</c>, or an <c>error</c> (<c>rate_limited</c>, <c>unavailable</c>, <c>unknown_command</c>,
/// <c>bot_unreachable</c>). The bot's answer comes later, as a message in the room (<see cref="ReplyConsumer"/>).
/// </summary>
public sealed class CommandGateway(FixedWindowLimiter limiter, CommandPublisher publisher, ChatMetrics metrics, ChatOptions options, TimeProvider time)
{
    // Chat:CommandsPerWindow and Chat:CommandWindowMilliseconds, and the refusal that states them, made once.
    private readonly int _perWindow = options.CommandsPerWindow;
    private readonly TimeSpan _window = TimeSpan.FromMilliseconds(options.CommandWindowMilliseconds);
    private readonly string _tooMany =
        $"at most {options.CommandsPerWindow} {(options.CommandsPerWindow == 1 ? "command" : "commands")} every " +
        $"{TimeSpan.FromMilliseconds(options.CommandWindowMilliseconds).TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} seconds";

    /// <summary>Submits <paramref name="command"/> of <paramref name="user"/> in <paramref name="room"/>; the answer carries <paramref name="cid"/>.</summary>
    public async Task<byte[]> SubmitAsync(string user, string room, ChatCommand command, string? cid)
    {
        try
        {
            var wait = await limiter.HitAsync(_window, (RedisKeys.CommandWindow(user).ToString(), _perWindow)).ConfigureAwait(false);
            if (wait is not null)
            {
                return Refusal(new FrameError(ErrorCodes.RateLimited, _tooMany, "send", cid));
            }
        }
        catch (Exception exception) when (BackplaneFailure.Is(exception))
        {
            return Refusal(new FrameError(ErrorCodes.Unavailable, "the chat store is unreachable; try again shortly", "send", cid));
        }

        var request = new CommandRequest(Guid.CreateVersion7().ToString("N"), room, user, command.Name, command.Argument, time.GetUtcNow());
        var outcome = await publisher.PublishAsync(request).ConfigureAwait(false);
        metrics.CommandPublished(outcome.ToString().ToLowerInvariant());
        return outcome switch
        {
            CommandOutcome.Queued => ServerFrameWriter.Current.Queued(room, command.Name, request.RequestId, cid),
            CommandOutcome.Unknown => Refusal(new FrameError(ErrorCodes.UnknownCommand, $"no bot answers /{command.Name}", "send", cid)),
            _ => Refusal(new FrameError(ErrorCodes.BotUnreachable, $"the bots are unreachable right now; /{command.Name} was not sent", "send", cid)),
        };
    }

    /// <summary>The error frame for a refused command, counted like every refused client frame.</summary>
    private byte[] Refusal(in FrameError error)
    {
        metrics.FrameRejected(error.Code);
        return ServerFrameWriter.Current.Error(error);
    }
}
