using System.Text.Json;
using System.Xml.Linq;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Unit.Clients;

/// <summary>The npm package of the JavaScript client (clients/js/package.json) against the rest of the repository.</summary>
public sealed class JavaScriptClientPackageTests
{
    private static JsonElement Package() => JsonDocument.Parse(Repository.Read("clients", "js", "package.json")).RootElement;

    [Fact]
    public void The_package_is_released_with_the_same_version_as_the_services()
    {
        var release = XDocument.Parse(Repository.Read("Directory.Build.props")).Descendants("Version").Single().Value;
        Assert.Equal(release, Package().GetProperty("version").GetString());
    }

    [Fact]
    public void The_package_has_no_dependencies_and_ships_its_sources_and_types()
    {
        var package = Package();
        Assert.False(package.TryGetProperty("dependencies", out _), "the client has no dependencies: nothing to install");
        Assert.False(package.TryGetProperty("devDependencies", out _), "its tests run on Node's own test runner");
        var export = package.GetProperty("exports").GetProperty(".");
        foreach (var target in new[] { export.GetProperty("default").GetString()!, export.GetProperty("types").GetString()! })
        {
            Assert.True(File.Exists(Path.Combine(Repository.Root, "clients", "js", target)), $"{target} is missing");
        }
    }
}
