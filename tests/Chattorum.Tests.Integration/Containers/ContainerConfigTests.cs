using System.Globalization;
using System.Xml.Linq;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// What `dotnet publish src/PROJECT -c Release -t:PublishContainer` would build, checked without building it (no
/// machine here can pull the base image): the image configuration the SDK computes from each project.
/// </summary>
[Collection(ContainersCollection.Name)]
public class ContainerConfigTests(ContainerConfigFixture fixture)
{
    /// <summary>The release in Directory.Build.props: every image is tagged with it.</summary>
    private static readonly string Version = XDocument.Parse(Repository.Read("Directory.Build.props"))
        .Descendants("Version").Single().Value;

    [Theory]
    [MemberData(nameof(ServiceImages.Rows), MemberType = typeof(ServiceImages))]
    public void The_image_is_named_after_the_deployment_and_tagged_with_the_release(ServiceImage service)
    {
        var config = fixture[service];

        Assert.Equal($"chattorum/{service.Deployment}", config.Repository);
        Assert.Equal([Version], config.Tags);
        Assert.NotEqual("latest", Assert.Single(config.Tags));
        Assert.Equal(string.Empty, config.Registry); // given at publish time: -p:ContainerRegistry=...
    }

    [Theory]
    [MemberData(nameof(ServiceImages.Rows), MemberType = typeof(ServiceImages))]
    public void The_image_runs_as_the_base_images_numeric_non_root_user(ServiceImage service)
    {
        var config = fixture[service];

        Assert.True(int.TryParse(config.User, NumberStyles.None, CultureInfo.InvariantCulture, out var uid), $"user '{config.User}' is not numeric");
        Assert.NotEqual(0, uid);
        Assert.Equal(ContainerEnvironment.AppUid, uid);
        Assert.Equal(ContainerEnvironment.BaseImage, config.BaseImage);
    }

    [Theory]
    [MemberData(nameof(ServiceImages.Rows), MemberType = typeof(ServiceImages))]
    public void The_image_starts_the_framework_dependent_app_from_its_working_directory(ServiceImage service)
    {
        var config = fixture[service];

        Assert.Equal("/app/", config.WorkingDirectory);
        Assert.Empty(config.Entrypoint);
        Assert.Equal(["dotnet", $"/app/{service.Project}.dll"], config.AppCommand);
        Assert.Empty(config.AppCommandArgs);
    }

    [Theory]
    [MemberData(nameof(ServiceImages.Rows), MemberType = typeof(ServiceImages))]
    public void The_image_exposes_the_port_its_environment_makes_the_app_listen_on(ServiceImage service)
    {
        var config = fixture[service];
        var environment = ContainerEnvironment.Of(config);

        Assert.Contains(new ContainerPortSpec(ContainerEnvironment.HttpPort, "tcp"), config.Ports);
        Assert.Contains(new ContainerPortSpec(ContainerEnvironment.ManagementPort, "tcp"), config.Ports);
        Assert.Equal(ContainerEnvironment.HttpPort.ToString(CultureInfo.InvariantCulture), environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.DoesNotContain("ASPNETCORE_URLS", environment.Keys); // would override ASPNETCORE_HTTP_PORTS
    }

    [Theory]
    [MemberData(nameof(ServiceImages.Rows), MemberType = typeof(ServiceImages))]
    public void The_image_carries_OCI_labels_for_what_it_is(ServiceImage service)
    {
        var labels = fixture[service].Labels;

        Assert.Equal(Version, labels["org.opencontainers.image.version"]);
        Assert.StartsWith("Chattorum ", labels["org.opencontainers.image.title"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(labels["org.opencontainers.image.description"]));
        Assert.Equal("Chattorum", labels["org.opencontainers.image.authors"]);
        Assert.Equal(ContainerEnvironment.BaseImage, labels["org.opencontainers.image.base.name"]);
        Assert.True(DateTimeOffset.TryParse(labels["org.opencontainers.image.created"], CultureInfo.InvariantCulture, out _));
    }

    [Fact]
    public void Each_image_has_a_title_of_its_own()
    {
        var titles = ServiceImages.All.Select(service => fixture[service].Labels["org.opencontainers.image.title"]).ToList();

        Assert.Equal(titles.Count, titles.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task A_tag_given_at_publish_time_replaces_the_release_tag()
    {
        var config = await ContainerConfig.ComputeAsync(ServiceImages.ChatApi.Project, "ContainerRegistry=registry.example.com", "ContainerImageTag=1.2.3-rc.1");

        Assert.Equal("registry.example.com/chattorum/chatapi:1.2.3-rc.1", config.Image);
    }
}
