using System.Globalization;

namespace Chattorum.LoadTest;

/// <summary>A Redis server the run reads <c>INFO commandstats</c> from: <c>HOST:PORT</c> (<c>[::1]:6379</c> for IPv6).</summary>
internal sealed record RedisEndpoint(string Host, int Port)
{
    public const int MaxPort = 65_535;

    /// <summary>One endpoint or several separated by commas (the servers of a cluster, whose counts add up).</summary>
    public static List<RedisEndpoint> ParseList(string value) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries).Select(Parse)];

    public static RedisEndpoint Parse(string value)
    {
        var colon = value.LastIndexOf(':');
        var host = colon > 0 ? value[..colon] : "";
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return Uri.CheckHostName(host) != UriHostNameType.Unknown &&
               int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= MaxPort
            ? new RedisEndpoint(host, port)
            : throw new ArgumentException($"--redis must be HOST:PORT of a Redis server, or several separated by commas, not '{value}'");
    }

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
