using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>
/// Calls per Redis command, as <c>INFO commandstats</c> counts them since the server started: one line per
/// command, <c>cmdstat_get:calls=2,usec=15,usec_per_call=7.50,rejected_calls=0,failed_calls=0</c> (Redis 7;
/// Redis 6 stops after usec_per_call), subcommands as <c>cmdstat_client|setname</c>. Commands a Lua script calls
/// count on their own lines as well as the script's <c>evalsha</c>. An <c>INFO</c> is counted once it has
/// answered, so the first of two does count in the second and the second does not.
/// </summary>
internal sealed class CommandStats
{
    private const string LinePrefix = "cmdstat_";
    private const string CallsField = "calls=";

    public static readonly CommandStats Empty = new(new Dictionary<string, long>(StringComparer.Ordinal));

    private CommandStats(Dictionary<string, long> calls) => Calls = calls;

    /// <summary>Calls by command name, lower case as Redis writes them (<c>evalsha</c>, <c>client|setname</c>).</summary>
    public IReadOnlyDictionary<string, long> Calls { get; }

    public long Total => Calls.Values.Sum();

    /// <summary>The body of an <c>INFO commandstats</c> (or a whole <c>INFO</c>: other sections' lines are skipped).</summary>
    public static CommandStats Parse(string info)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var rawLine in info.AsSpan().EnumerateLines())
        {
            var line = rawLine.Trim();
            if (!line.StartsWith(LinePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':');
            var fields = colon < 0 ? default : line[(colon + 1)..];
            if (colon <= LinePrefix.Length || !fields.StartsWith(CallsField, StringComparison.Ordinal))
            {
                throw Malformed(line);
            }

            var value = fields[CallsField.Length..];
            var comma = value.IndexOf(',');
            if (!long.TryParse(comma < 0 ? value : value[..comma], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw Malformed(line);
            }

            var name = line[LinePrefix.Length..colon].ToString();
            calls[name] = calls.GetValueOrDefault(name) + count;
        }

        return new CommandStats(calls);
    }

    /// <summary>Both counts added up, command by command: the servers of a cluster.</summary>
    public CommandStats Plus(CommandStats other)
    {
        var calls = new Dictionary<string, long>(Calls, StringComparer.Ordinal);
        foreach (var (name, count) in other.Calls)
        {
            calls[name] = calls.GetValueOrDefault(name) + count;
        }

        return new CommandStats(calls);
    }

    /// <summary>
    /// The calls made since <paramref name="earlier"/>, command by command. A count that went down (Redis
    /// restarted, or <c>CONFIG RESETSTAT</c>) counts from zero and sets <paramref name="wentBack"/>.
    /// </summary>
    public CommandStats Since(CommandStats earlier, out bool wentBack)
    {
        wentBack = false;
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, count) in Calls)
        {
            var before = earlier.Calls.GetValueOrDefault(name);
            wentBack |= count < before;
            var delta = count < before ? count : count - before;
            if (delta > 0)
            {
                calls[name] = delta;
            }
        }

        wentBack |= earlier.Calls.Keys.Any(name => !Calls.ContainsKey(name));
        return new CommandStats(calls);
    }

    /// <summary>These counts less <paramref name="count"/> calls of <paramref name="command"/> (never below zero).</summary>
    public CommandStats Without(string command, long count)
    {
        var calls = new Dictionary<string, long>(Calls, StringComparer.Ordinal);
        if (calls.TryGetValue(command, out var had))
        {
            var left = had - count;
            if (left > 0)
            {
                calls[command] = left;
            }
            else
            {
                calls.Remove(command);
            }
        }

        return new CommandStats(calls);
    }

    /// <summary>The most called commands, most first (ties by name).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int count) =>
        [.. Calls.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(count)];

    private static FormatException Malformed(ReadOnlySpan<char> line) =>
        new($"unexpected INFO commandstats line: '{line[..Math.Min(line.Length, 200)].ToString()}'");
}
