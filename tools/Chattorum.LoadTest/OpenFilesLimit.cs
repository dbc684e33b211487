using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>
/// How many files (sockets included) a process may open, from <c>/proc/&lt;pid&gt;/limits</c>: every connection
/// is a socket in the tool and one in a node, so 20,000 connections need a limit above 20,000 (<c>ulimit -n</c>).
/// </summary>
internal static class OpenFilesLimit
{
    /// <summary>Files the tool needs besides its connections: the runtime's own, HTTP, Redis, /proc reads.</summary>
    public const int Reserve = 256;

    private const string LinePrefix = "Max open files";

    /// <summary>The soft limit (the one that applies); null when unlimited or unknown (not Linux).</summary>
    public static long? Read(string pid = "self")
    {
        string limits;
        try
        {
            limits = File.ReadAllText($"/proc/{pid}/limits");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(limits);
    }

    public static long? Parse(string limits)
    {
        foreach (var line in limits.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(LinePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[LinePrefix.Length..].TrimStart();
            var end = rest.IndexOf(' ');
            var soft = end < 0 ? rest : rest[..end];
            return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        return null;
    }

    /// <summary>Refuses a run this process cannot open, before it opens thousands of connections to fail on the last ones.</summary>
    public static void Check(int connections, long? limit)
    {
        if (limit is { } files && connections + Reserve > files)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--connections {connections} needs about {connections + Reserve} open files and this process may open {files}: raise 'ulimit -n' (scripts/bench.sh raises it to the hard limit), or run fewer connections"));
        }
    }
}
