using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Chattorum.ChatApi.Protocol;

/// <summary>The rules for names and text that come from clients.</summary>
public static partial class Validation
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoomNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]{3,24}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();

    public static bool IsValidRoomName([NotNullWhen(true)] string? room) => room is not null && RoomNamePattern().IsMatch(room);

    public static bool IsValidUserName([NotNullWhen(true)] string? name) => name is not null && UserNamePattern().IsMatch(name);

    /// <summary>
    /// Text is 1 to <see cref="ChatLimits.MaxTextLength"/> characters (Unicode scalar values), not only
    /// white space, with no control characters other than line feed and tab.
    /// </summary>
    public static bool TryValidateText(string? text, out string? problem) => TryValidateText(text, ChatLimits.MaxTextLength, out problem);

    /// <summary>The same, with at most <paramref name="maxLength"/> characters (a deployment's <c>Chat:MaxTextLength</c>).</summary>
    public static bool TryValidateText(string? text, int maxLength, out string? problem)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "text must not be empty";
            return false;
        }

        var count = 0;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                problem = "text is not valid Unicode";
                return false;
            }

            if (++count > maxLength)
            {
                problem = $"text is longer than {maxLength} characters";
                return false;
            }

            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control && rune.Value is not ('\n' or '\t'))
            {
                problem = "text must not contain control characters";
                return false;
            }

            rest = rest[consumed..];
        }

        problem = null;
        return true;
    }
}
