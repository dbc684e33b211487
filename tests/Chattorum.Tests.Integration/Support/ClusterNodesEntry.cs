using System.Globalization;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// One line of <c>CLUSTER NODES</c>: how the node that answered sees one member of the cluster.
/// <c>id ip:port@busport flags primary-id ping-sent pong-recv config-epoch link-state slot...</c>
/// </summary>
public sealed record ClusterNodesEntry(string Id, int Port, IReadOnlySet<string> Flags, string? PrimaryId, bool Connected, IReadOnlyList<(int First, int Last)> Slots)
{
    public bool IsPrimary => Flags.Contains("master");

    public bool IsReplica => Flags.Contains("slave");

    public bool IsMyself => Flags.Contains("myself");

    /// <summary>Suspected (fail?) or agreed (fail) to be down, or not yet known (handshake, noaddr).</summary>
    public bool IsFailing => Flags.Overlaps(["fail", "fail?", "handshake", "noaddr"]);

    public bool Owns(int slot) => Slots.Any(range => range.First <= slot && slot <= range.Last);

    public int SlotCount => Slots.Sum(range => range.Last - range.First + 1);

    public static IReadOnlyList<ClusterNodesEntry> ParseAll(string text) =>
        [.. text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    public static ClusterNodesEntry Parse(string line)
    {
        var parts = line.Split(' ');
        var address = parts[1];
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

        // Slots: "0-5460", "5461", or, while a slot moves, "[42->-id]" (migrating) and "[42-<-id]" (importing),
        // which are not owned slots.
        var slots = parts[8..]
            .Where(slot => !slot.StartsWith('['))
            .Select(slot => slot.Split('-') is [var first, var last]
                ? (int.Parse(first, CultureInfo.InvariantCulture), int.Parse(last, CultureInfo.InvariantCulture))
                : (int.Parse(slot, CultureInfo.InvariantCulture), int.Parse(slot, CultureInfo.InvariantCulture)))
            .ToList();
        return new ClusterNodesEntry(
            parts[0],
            port,
            parts[2].Split(',').ToHashSet(),
            parts[3] == "-" ? null : parts[3],
            parts[7] == "connected",
            slots);
    }
}
