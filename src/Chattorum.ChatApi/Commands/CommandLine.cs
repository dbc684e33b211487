using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Chattorum.ChatApi.Commands;

/// <summary>A chat line that is a command: <c>/name=argument</c> or <c>/name</c>.</summary>
public sealed record ChatCommand(string Name, string Argument);

public static partial class CommandLine
{
    // Names become AMQP routing keys (command.name): no dots, no wildcards.
    [GeneratedRegex(@"^[a-z][a-z0-9_-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>A line starting with one <c>/</c> is a command; <c>//</c> escapes a message that starts with a slash.</summary>
    public static bool IsCommand(string text) => text.StartsWith('/') && !text.StartsWith("//", StringComparison.Ordinal);

    /// <summary>The message to post for a line that escapes its leading slash.</summary>
    public static string Unescape(string text) => text.StartsWith("//", StringComparison.Ordinal) ? text[1..] : text;

    public static bool TryParse(string text, [NotNullWhen(true)] out ChatCommand? command, [NotNullWhen(false)] out string? problem)
    {
        command = null;
        if (!IsCommand(text))
        {
            problem = "a command starts with '/'";
            return false;
        }

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = (equals < 0 ? text[1..] : text[1..equals]).TrimEnd().ToLowerInvariant();
        var argument = equals < 0 ? string.Empty : text[(equals + 1)..].Trim();
        if (!NamePattern().IsMatch(name))
        {
            problem = $"commands look like /name=argument, with a name of a-z, 0-9, '_' and '-' (at most {ChatLimits.MaxCommandNameLength})";
            return false;
        }

        command = new ChatCommand(name, argument);
        problem = null;
        return true;
    }
}
