using Chattorum.ChatApi;
using Microsoft.Extensions.Configuration;

namespace Chattorum.Tests.Unit.Configuration;

/// <summary>
/// The <c>Chat</c> settings as an operator writes them (bound from configuration, like a node's), at and around every
/// bound of <see cref="ChatLimits"/> and every rule between two settings: a good value passes, a bad one is one problem
/// that names the setting, the value and what it may be.
/// </summary>
public sealed class ChatOptionsValidatorTests
{
    /// <summary>Settings (<c>Name=value;...</c> under <c>Chat:</c>), and the problem they make (null: none).</summary>
    public static TheoryData<string, string?> Cases { get; } = new()
    {
        { "", null },

        { "MaxTextLength=1", null },
        { "MaxTextLength=0", "Chat:MaxTextLength is 0; it must be from 1 to 2000" },
        { "MaxTextLength=2000", null },
        { "MaxTextLength=2001", "Chat:MaxTextLength is 2001; it must be from 1 to 2000" },

        { "MaxRoomsPerConnection=1", null },
        { "MaxRoomsPerConnection=0", "Chat:MaxRoomsPerConnection is 0; it must be from 1 to 256" },
        { "MaxRoomsPerConnection=256", null },
        { "MaxRoomsPerConnection=257", "Chat:MaxRoomsPerConnection is 257; it must be from 1 to 256" },

        { "JoinHistoryCount=0", null },
        { "JoinHistoryCount=-1", "Chat:JoinHistoryCount is -1; it must be from 0 to 1000" },
        { "JoinHistoryCount=1000", null },
        { "JoinHistoryCount=1001;RoomStreamLength=2000", "Chat:JoinHistoryCount is 1001; it must be from 0 to 1000" },

        { "RoomStreamLength=1;JoinHistoryCount=1", null },
        { "RoomStreamLength=0;JoinHistoryCount=0", "Chat:RoomStreamLength is 0; it must be from 1 to 10000" },
        { "RoomStreamLength=10000", null },
        { "RoomStreamLength=10001", "Chat:RoomStreamLength is 10001; it must be from 1 to 10000" },

        // History replays the stream: never more than it keeps.
        { "JoinHistoryCount=50;RoomStreamLength=50", null },
        { "JoinHistoryCount=51;RoomStreamLength=50", "Chat:JoinHistoryCount is 51, more than Chat:RoomStreamLength (50)" },
        { "RoomStreamLength=49", "Chat:JoinHistoryCount is 50, more than Chat:RoomStreamLength (49)" },

        { "CommandsPerWindow=1", null },
        { "CommandsPerWindow=0", "Chat:CommandsPerWindow is 0; it must be from 1 to 1000" },
        { "CommandsPerWindow=1000", null },
        { "CommandsPerWindow=1001", "Chat:CommandsPerWindow is 1001; it must be from 1 to 1000" },

        { "CommandWindowMilliseconds=1000", null },
        { "CommandWindowMilliseconds=999", "Chat:CommandWindowMilliseconds is 999; it must be from 1000 to 3600000" },
        { "CommandWindowMilliseconds=0", "Chat:CommandWindowMilliseconds is 0; it must be from 1000 to 3600000" },
        { "CommandWindowMilliseconds=3600000", null },
        { "CommandWindowMilliseconds=3600001", "Chat:CommandWindowMilliseconds is 3600001; it must be from 1000 to 3600000" },

        { "PresenceTtlMilliseconds=1000;PresenceHeartbeatMilliseconds=333", null },
        { "PresenceTtlMilliseconds=999;PresenceHeartbeatMilliseconds=100", "Chat:PresenceTtlMilliseconds is 999; it must be from 1000 to 600000" },
        { "PresenceTtlMilliseconds=600000", null },
        { "PresenceTtlMilliseconds=600001", "Chat:PresenceTtlMilliseconds is 600001; it must be from 1000 to 600000" },

        { "PresenceHeartbeatMilliseconds=100", null },
        { "PresenceHeartbeatMilliseconds=99", "Chat:PresenceHeartbeatMilliseconds is 99; it must be from 100 to 200000" },
        { "PresenceHeartbeatMilliseconds=200000;PresenceTtlMilliseconds=600000", null },
        { "PresenceHeartbeatMilliseconds=200001;PresenceTtlMilliseconds=600000", "Chat:PresenceHeartbeatMilliseconds is 200001; it must be from 100 to 200000" },

        // The heartbeat well below the TTL: at most a third of it.
        { "PresenceTtlMilliseconds=10000;PresenceHeartbeatMilliseconds=3333", null },
        { "PresenceTtlMilliseconds=10000;PresenceHeartbeatMilliseconds=3334", "Chat:PresenceHeartbeatMilliseconds is 3334; with Chat:PresenceTtlMilliseconds at 10000 it must be at most 3333" },
        { "PresenceTtlMilliseconds=9000", null },
        { "PresenceTtlMilliseconds=8999", "Chat:PresenceHeartbeatMilliseconds is 3000; with Chat:PresenceTtlMilliseconds at 8999 it must be at most 2999" },

        { "RatePerSecond=0.001", null },
        { "RatePerSecond=0", "Chat:RatePerSecond is 0; it must be a number above 0" },
        { "RatePerSecond=-5", "Chat:RatePerSecond is -5; it must be a number above 0" },
        { "RatePerSecond=NaN", "Chat:RatePerSecond is NaN; it must be a number above 0" },
        { "RatePerSecond=Infinity", "Chat:RatePerSecond is Infinity; it must be a number above 0" },
        { "RateBurst=1", null },
        { "RateBurst=0", "Chat:RateBurst is 0; it must be at least 1" },

        { "ReplicaAcks=5", null },
        { "ReplicaAcks=6", "Chat:ReplicaAcks is '6'; it must be 'auto' or a number from 0 to 5" },
        { "ReplicaAckTimeoutMilliseconds=1", null },
        { "ReplicaAckTimeoutMilliseconds=0", "Chat:ReplicaAckTimeoutMilliseconds is 0; it must be from 1 to 60000" },
        { "ReplicaAckTimeoutMilliseconds=60000", null },
        { "ReplicaAckTimeoutMilliseconds=60001", "Chat:ReplicaAckTimeoutMilliseconds is 60001; it must be from 1 to 60000" },

        { "MaxConnections=1", null },
        { "MaxConnections=0", "Chat:MaxConnections is 0; it must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_setting_is_checked_at_and_around_its_bounds(string settings, string? problem)
    {
        var problems = ChatOptionsValidator.Problems(Bind(settings));
        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.StartsWith(problem, Assert.Single(problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_defaults_are_the_values_in_ChatLimits_and_pass()
    {
        var options = new ChatOptions();
        Assert.Equal(
            (ChatLimits.MaxTextLength, ChatLimits.MaxRoomsPerConnection, ChatLimits.JoinHistoryCount, ChatLimits.RoomStreamLength, ChatLimits.CommandsPerWindow),
            (options.MaxTextLength, options.MaxRoomsPerConnection, options.JoinHistoryCount, options.RoomStreamLength, options.CommandsPerWindow));
        Assert.Equal(
            (ChatLimits.CommandWindow, ChatLimits.PresenceTtl, ChatLimits.PresenceHeartbeat),
            (TimeSpan.FromMilliseconds(options.CommandWindowMilliseconds), TimeSpan.FromMilliseconds(options.PresenceTtlMilliseconds), TimeSpan.FromMilliseconds(options.PresenceHeartbeatMilliseconds)));
        Assert.Empty(ChatOptionsValidator.Problems(options));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_so_an_operator_fixes_them_in_one_go()
    {
        var result = new ChatOptionsValidator().Validate(null, Bind("MaxRoomsPerConnection=0;CommandsPerWindow=0;PresenceHeartbeatMilliseconds=5000"));
        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains("Chat:MaxRoomsPerConnection is 0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chat:CommandsPerWindow is 0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Chat:PresenceHeartbeatMilliseconds is 5000", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>The reasons given for the ranges in <see cref="ChatLimits"/>, which a change of one constant could break.</summary>
    [Fact]
    public void The_ranges_keep_history_and_resume_within_a_client_queue()
    {
        // A join's history is queued at once: within the frames of one queue that count towards the backlog.
        Assert.True(ChatLimits.JoinHistoryCountRange.Max <= ChatLimits.SendQueueSoftCapacity);
        Assert.True(ChatLimits.JoinHistoryCountRange.Max <= ChatLimits.RoomStreamLength, "the largest history fits the default stream");

        // A resume reads up to twice the stream's cap.
        Assert.True(2 * ChatLimits.RoomStreamLengthRange.Max <= ChatLimits.SendQueueMaxFrames);

        // The frame size is computed for the longest text: a deployment may only lower it.
        Assert.Equal(ChatLimits.MaxTextLength, ChatLimits.TextLengthRange.Max);

        // The longest heartbeat allowed is allowed with the longest TTL.
        Assert.Equal(ChatLimits.PresenceTtlRange.Max, ChatLimits.PresenceHeartbeatRange.Max * ChatLimits.PresenceBeatsPerTtl);
    }

    private static ChatOptions Bind(string settings)
    {
        var pairs = settings.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(setting => setting.Split('=', 2))
            .Select(pair => KeyValuePair.Create($"{ChatOptions.Section}:{pair[0]}", (string?)pair[1]));
        var options = new ChatOptions();
        new ConfigurationBuilder().AddInMemoryCollection(pairs).Build().GetSection(ChatOptions.Section).Bind(options);
        return options;
    }
}
