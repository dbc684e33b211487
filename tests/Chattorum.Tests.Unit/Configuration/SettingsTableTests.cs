using System.Globalization;
using System.Reflection;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Accounts;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Configuration;

/// <summary>
/// The README's configuration table is the one list of operator settings: every setting a node binds is in it, and the
/// default it states for each <c>Chat</c> setting is the one the node uses.
/// </summary>
public sealed class SettingsTableTests
{
    /// <summary>The table's rows: the settings of each (first column) and their defaults (second), in order.</summary>
    private static readonly List<(string[] Settings, string[] Defaults)> Rows = ReadTable();

    public static TheoryData<string> Settings { get; } = [.. Bound(typeof(ChatOptions), ChatOptions.Section).Concat(Bound(typeof(AuthOptions), AuthOptions.Section))];

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_setting_a_node_binds_is_in_the_table(string setting) =>
        Assert.Contains(Rows, row => row.Settings.Contains(setting));

    [Fact]
    public void The_table_states_the_default_of_every_Chat_setting()
    {
        var defaults = new ChatOptions();
        foreach (var property in BoundProperties(typeof(ChatOptions)).Where(p => p.CanWrite))
        {
            var setting = $"{ChatOptions.Section}:{property.Name}";
            var row = Rows.Single(r => r.Settings.Contains(setting));
            Assert.True(row.Defaults.Length == row.Settings.Length, $"{setting}: one default per setting in its row");
            var stated = row.Defaults[Array.IndexOf(row.Settings, setting)];
            Assert.Equal(Shown(property.GetValue(defaults)), stated);
        }
    }

    private static string Shown(object? value) => value switch
    {
        bool flag => flag ? "`true`" : "`false`",
        string text => $"`{text}`",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"no table spelling for {value}"),
    };

    private static IEnumerable<PropertyInfo> BoundProperties(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || typeof(System.Collections.IList).IsAssignableFrom(p.PropertyType));

    private static IEnumerable<string> Bound(Type options, string section) => BoundProperties(options).Select(p => $"{section}:{p.Name}");

    private static List<(string[] Settings, string[] Defaults)> ReadTable()
    {
        var lines = Repository.Read("README.md").Split('\n');
        var header = Array.FindIndex(lines, line => line.StartsWith("| setting | default |", StringComparison.Ordinal));
        Assert.True(header >= 0, "the README has the configuration table");
        return [.. lines.Skip(header + 2).TakeWhile(line => line.StartsWith('|')).Select(line =>
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            return (
                cells[1].Split(", ").Select(name => name.Trim('`')).ToArray(),
                cells[2].Split(", ").ToArray());
        })];
    }
}
