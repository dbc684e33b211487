using System.Globalization;
using System.Text;
using Chattorum.ChatApi;

namespace Chattorum.Tests.Support;

/// <summary>
/// The ways JSON libraries spell one <c>send</c> frame, from the shortest (raw UTF-8) to the longest (every character
/// of every name and value as <c>\uXXXX</c>, with white space up to the frame limit).
/// </summary>
public static class SendSpellings
{
    /// <summary>Compact, an ASCII text: one byte a character.</summary>
    public const string Utf8Ascii = "utf8-ascii";

    /// <summary>Compact, a text of emoji in raw UTF-8: four bytes a character.</summary>
    public const string Utf8Emoji = "utf8-emoji";

    /// <summary>Python's <c>json.dumps</c> defaults: <c>", "</c> and <c>": "</c>, every non-ASCII character escaped (an emoji as a surrogate pair, 12 bytes).</summary>
    public const string PythonDumps = "python-json-dumps";

    /// <summary>Compact, a text of <c>é</c> each written <c>\u00e9</c>: six bytes a character.</summary>
    public const string EscapedBmp = "escaped-bmp";

    /// <summary>Every character of every property name and value escaped, the text of emoji: the longest spelling without white space.</summary>
    public const string EscapedEverything = "escaped-everything";

    /// <summary><see cref="EscapedEverything"/> pretty-printed and padded with white space to exactly <see cref="ChatLimits.MaxFrameBytes"/>.</summary>
    public const string EscapedEverythingPadded = "escaped-everything-padded";

    public static IReadOnlyList<string> All { get; } = [Utf8Ascii, Utf8Emoji, PythonDumps, EscapedBmp, EscapedEverything, EscapedEverythingPadded];

    /// <summary>The spellings that leave room for one character more (the padded one fills the frame).</summary>
    public static IReadOnlyList<string> Unpadded { get; } = [.. All.Where(s => s != EscapedEverythingPadded)];

    /// <summary>A text of <paramref name="characters"/> characters (Unicode scalar values) of the spelling's kind.</summary>
    public static string Text(string spelling, int characters) => spelling switch
    {
        Utf8Ascii => new string('x', characters),
        EscapedBmp => new string('é', characters),
        _ => string.Concat(Enumerable.Repeat("😀", characters)),
    };

    /// <summary>The send frame, in UTF-8.</summary>
    public static byte[] Send(string spelling, string room, string text, string cid)
    {
        var all = spelling is EscapedEverything or EscapedEverythingPadded;
        string Name(string name) => Quote(all ? EscapeAll(name) : name);
        string Value(string value) => Quote(spelling switch
        {
            _ when all => EscapeAll(value),
            PythonDumps or EscapedBmp => EscapeNonAscii(value),
            _ => value,
        });

        var (comma, colon, open, close) = spelling switch
        {
            PythonDumps => (", ", ": ", "", ""),
            EscapedEverythingPadded => (",\n    ", ": ", "\n    ", "\n"),
            _ => (",", ":", "", ""),
        };
        var json = new StringBuilder("{").Append(open)
            .Append(Name("type")).Append(colon).Append(Value("send")).Append(comma)
            .Append(Name("room")).Append(colon).Append(Value(room)).Append(comma)
            .Append(Name("text")).Append(colon).Append(Value(text)).Append(comma)
            .Append(Name("cid")).Append(colon).Append(Value(cid))
            .Append(close);
        if (spelling == EscapedEverythingPadded)
        {
            json.Append(' ', Math.Max(0, ChatLimits.MaxFrameBytes - Encoding.UTF8.GetByteCount(json.ToString()) - 1));
        }

        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    /// <summary>The longest valid room name that starts with <paramref name="prefix"/>.</summary>
    public static string LongestRoom(string prefix) => prefix + new string('r', ChatLimits.MaxRoomNameLength - prefix.Length);

    /// <summary>The longest valid cid that starts with <paramref name="prefix"/>.</summary>
    public static string LongestCid(string prefix) => prefix + new string('c', ChatLimits.MaxClientIdLength - prefix.Length);

    private static string Quote(string value) => $"\"{value}\"";

    private static string EscapeAll(string value) => string.Concat(value.Select(Escape));

    private static string EscapeNonAscii(string value) => string.Concat(value.Select(c => c < 0x80 ? c.ToString() : Escape(c)));

    private static string Escape(char c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture);
}
