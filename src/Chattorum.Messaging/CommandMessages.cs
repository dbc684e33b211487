using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chattorum.Messaging;

/// <summary>A chat line <c>/command=argument</c>, as a bot receives it.</summary>
public sealed record CommandRequest(string RequestId, string Room, string User, string Command, string Argument, DateTimeOffset RequestedAt);

/// <summary>A bot's answer, to be posted in the room under the bot's name.</summary>
public sealed record CommandReply(string RequestId, string Room, string Bot, string Text);

[JsonSerializable(typeof(CommandRequest))]
[JsonSerializable(typeof(CommandReply))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class MessagesJson : JsonSerializerContext;

public static class CommandMessages
{
    public static byte[] Serialize(CommandRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, MessagesJson.Default.CommandRequest);

    public static byte[] Serialize(CommandReply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, MessagesJson.Default.CommandReply);

    /// <summary>A request with every field present, or false: such a message can only be dead-lettered.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, [NotNullWhen(true)] out CommandRequest? request)
    {
        request = Read(body, MessagesJson.Default.CommandRequest);
        return request is { RequestId.Length: > 0, Room.Length: > 0, User.Length: > 0, Command.Length: > 0, Argument: not null };
    }

    public static bool TryRead(ReadOnlySpan<byte> body, [NotNullWhen(true)] out CommandReply? reply)
    {
        reply = Read(body, MessagesJson.Default.CommandReply);
        return reply is { RequestId.Length: > 0, Room.Length: > 0, Bot.Length: > 0, Text.Length: > 0 };
    }

    private static T? Read<T>(ReadOnlySpan<byte> body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
