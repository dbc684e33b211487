using System.Xml.Linq;
using Chattorum.Deploy;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The application images the manifests name: tagged with the release by default (the Version of Directory.Build.props,
/// which also tags the images), never <c>latest</c>, with a registry and tag the options check.
/// </summary>
public class ImageReferenceTests
{
    /// <summary>The <c>&lt;Version&gt;</c> of Directory.Build.props, read from the file.</summary>
    internal static string DirectoryBuildVersion() =>
        XDocument.Load(Path.Combine(AspireManifestFixture.RepositoryRoot, "Directory.Build.props"))
            .Descendants("Version").Single().Value;

    [Fact]
    public void The_default_tag_is_the_release_of_Directory_Build_props()
    {
        Assert.Equal(DirectoryBuildVersion(), ImageReference.ReleaseTag);
        Assert.Equal(DirectoryBuildVersion(), new DeployOptions().Tag);
    }

    [Theory]
    [InlineData("latest", "moving tag")]
    [InlineData("LATEST", "moving tag")]
    [InlineData("", "not an image tag")]
    [InlineData(".hidden", "not an image tag")]
    [InlineData("-1", "not an image tag")]
    [InlineData("1.0.0+build", "not an image tag")]
    [InlineData("has space", "not an image tag")]
    [InlineData("sha256:abc", "not an image tag")]
    [InlineData(null, "not an image tag")]
    public void A_tag_that_names_no_fixed_build_or_breaks_the_grammar_is_refused(string? tag, string problem)
    {
        // null stands for a 129-character tag (InlineData cannot build one).
        tag ??= new string('a', 129);

        Assert.Contains(problem, ImageReference.TagProblem(tag), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.17.0")]
    [InlineData("1.2.3-rc.1")]
    [InlineData("v2")]
    [InlineData("release_2026-05")]
    public void A_fixed_tag_is_accepted(string tag) => Assert.Null(ImageReference.TagProblem(tag));

    [Theory]
    [InlineData("registry.example.com", null)]
    [InlineData("registry.example.com:5000/team/sub", null)]
    [InlineData("localhost:5000", null)]
    [InlineData("10.0.0.1:5000", null)]
    [InlineData("https://registry.example.com", "not an image registry")]
    [InlineData("registry.example.com/", "not an image registry")]
    [InlineData("registry.example.com/Team", "not an image registry")]
    [InlineData("registry.example.com/team:1.0", "not an image registry")]
    [InlineData("", "not an image registry")]
    public void The_registry_is_checked(string registry, string? problem)
    {
        var found = ImageReference.RegistryProblem(registry);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, "chattorum/chatapi:0.17.0")]
    [InlineData("registry.example.com/team", "registry.example.com/team/chattorum/chatapi:0.17.0")]
    public void The_image_is_registry_repository_and_tag(string? registry, string image) =>
        Assert.Equal(image, ImageReference.Of(registry, "chattorum/chatapi", "0.17.0"));

    [Fact]
    public async Task The_command_refuses_tag_latest_saying_why_and_writes_nothing()
    {
        var output = Directory.CreateTempSubdirectory("chattorum-deploy-latest-");
        try
        {
            var log = new StringWriter();

            var exitCode = await DeployCommand.RunAsync(["--output", output.FullName, "--tag", "latest"], log, log);

            Assert.Equal(2, exitCode);
            Assert.Contains("--tag latest: 'latest' is a moving tag", log.ToString(), StringComparison.Ordinal);
            Assert.Contains(ImageReference.ReleaseTag, log.ToString(), StringComparison.Ordinal);
            Assert.Empty(output.EnumerateFileSystemInfos());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_old_registry_option_is_gone()
    {
        var log = new StringWriter();

        var exitCode = await DeployCommand.RunAsync(["--registry", "registry.example.com"], log, log);

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown argument '--registry'", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("--image-registry", log.ToString(), StringComparison.Ordinal);
    }
}
