using System.Globalization;
using Chattorum.ChatApi.Backplane;
using Microsoft.Extensions.Options;

namespace Chattorum.ChatApi;

/// <summary>
/// Checks the <c>Chat</c> settings when the node starts: a setting outside its range (<see cref="ChatLimits"/>), or two
/// settings that do not go together, stop the node with a message that names the setting, its value and what it may be,
/// rather than a node that runs on a value nobody meant.
/// </summary>
public sealed class ChatOptionsValidator : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem with <paramref name="options"/>, one sentence each; none when a node may start with them.</summary>
    public static IReadOnlyList<string> Problems(ChatOptions options)
    {
        var problems = new List<string>();
        if (!double.IsFinite(options.RatePerSecond) || options.RatePerSecond <= 0)
        {
            problems.Add($"{Setting(nameof(ChatOptions.RatePerSecond))} is {Show(options.RatePerSecond)}; it must be a number above 0");
        }

        AtLeast(problems, nameof(ChatOptions.RateBurst), options.RateBurst, 1);
        if (!ReplicaAcks.TryParse(options.ReplicaAcks, out _))
        {
            problems.Add($"{Setting(nameof(ChatOptions.ReplicaAcks))} is '{options.ReplicaAcks}'; it must be '{ReplicaAcks.AutoSetting}' or a number from 0 to {ChatLimits.MaxReplicaAcks}");
        }

        InRange(problems, nameof(ChatOptions.ReplicaAckTimeoutMilliseconds), options.ReplicaAckTimeoutMilliseconds, Milliseconds(ChatLimits.ReplicaAckTimeoutRange));
        AtLeast(problems, nameof(ChatOptions.MaxConnections), options.MaxConnections, 1);
        InRange(problems, nameof(ChatOptions.MaxTextLength), options.MaxTextLength, ChatLimits.TextLengthRange);
        InRange(problems, nameof(ChatOptions.MaxRoomsPerConnection), options.MaxRoomsPerConnection, ChatLimits.RoomsPerConnectionRange);
        InRange(problems, nameof(ChatOptions.CommandsPerWindow), options.CommandsPerWindow, ChatLimits.CommandsPerWindowRange);
        InRange(problems, nameof(ChatOptions.CommandWindowMilliseconds), options.CommandWindowMilliseconds, Milliseconds(ChatLimits.CommandWindowRange));

        var history = InRange(problems, nameof(ChatOptions.JoinHistoryCount), options.JoinHistoryCount, ChatLimits.JoinHistoryCountRange);
        var stream = InRange(problems, nameof(ChatOptions.RoomStreamLength), options.RoomStreamLength, ChatLimits.RoomStreamLengthRange);

        // The rules between two settings only once each is in its range: otherwise the range says it all.
        if (history && stream && options.JoinHistoryCount > options.RoomStreamLength)
        {
            problems.Add(
                $"{Setting(nameof(ChatOptions.JoinHistoryCount))} is {options.JoinHistoryCount}, more than {Setting(nameof(ChatOptions.RoomStreamLength))} ({options.RoomStreamLength}); " +
                "a join cannot replay more messages than a room keeps");
        }

        var ttl = InRange(problems, nameof(ChatOptions.PresenceTtlMilliseconds), options.PresenceTtlMilliseconds, Milliseconds(ChatLimits.PresenceTtlRange));
        var heartbeat = InRange(problems, nameof(ChatOptions.PresenceHeartbeatMilliseconds), options.PresenceHeartbeatMilliseconds, Milliseconds(ChatLimits.PresenceHeartbeatRange));
        var longestBeat = options.PresenceTtlMilliseconds / ChatLimits.PresenceBeatsPerTtl;
        if (ttl && heartbeat && options.PresenceHeartbeatMilliseconds > longestBeat)
        {
            problems.Add(
                $"{Setting(nameof(ChatOptions.PresenceHeartbeatMilliseconds))} is {options.PresenceHeartbeatMilliseconds}; with {Setting(nameof(ChatOptions.PresenceTtlMilliseconds))} " +
                $"at {options.PresenceTtlMilliseconds} it must be at most {longestBeat} (the TTL / {ChatLimits.PresenceBeatsPerTtl}), so that a node whose beat " +
                "comes late is not taken for dead");
        }

        return problems;
    }

    private static string Setting(string property) => $"{ChatOptions.Section}:{property}";

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static SettingRange<int> Milliseconds(SettingRange<TimeSpan> range) => new((int)range.Min.TotalMilliseconds, (int)range.Max.TotalMilliseconds);

    /// <summary>Adds a problem when <paramref name="value"/> is outside <paramref name="range"/>; true when it is inside.</summary>
    private static bool InRange(List<string> problems, string property, int value, SettingRange<int> range)
    {
        if (range.Contains(value))
        {
            return true;
        }

        problems.Add($"{Setting(property)} is {value}; it must be from {range.Min} to {range.Max}");
        return false;
    }

    private static void AtLeast(List<string> problems, string property, int value, int least)
    {
        if (value < least)
        {
            problems.Add($"{Setting(property)} is {value}; it must be at least {least}");
        }
    }
}
