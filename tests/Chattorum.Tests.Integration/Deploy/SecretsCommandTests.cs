using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Chattorum.Deploy;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// <c>--secrets DIR</c>: the Secrets the workloads read, with new random values, in an owner-only file, for the operator
/// to apply and delete; refused for managed services, whose Secrets docs/deploy.md has the operator create by hand.
/// </summary>
[Collection(DeployCollection.Name)]
public partial class SecretsCommandTests(AspireManifestFixture fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task Secrets_writes_every_Secret_the_manifests_read_into_an_owner_only_file(bool redisCluster)
    {
        var folder = fixture.NewFolder(redisCluster ? "secrets-cluster" : "secrets");
        var log = new StringWriter();

        string[] arguments = ["--manifest", fixture.ManifestPath, "--secrets", folder, .. redisCluster ? ["--redis-cluster"] : Array.Empty<string>()];
        var exitCode = await DeployCommand.RunAsync(arguments, log, log);

        Assert.True(exitCode == 0, log.ToString());
        var path = Path.Combine(folder, KubernetesGenerator.SecretsFileName);
        Assert.Equal([path], Directory.GetFiles(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var text = await File.ReadAllTextAsync(path);
        Assert.Contains("never commit it", text, StringComparison.Ordinal);
        var secrets = KubernetesManifestTests.Parse(text).Cast<V1Secret>().ToList();
        Assert.Equal(["chatapi-secrets", "chattorum-dashboard", "chattorum-service-secrets", "stockbot-secrets"], secrets.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));

        // Exactly what the committed manifests of that variant read, optional keys left to the operator.
        var committed = KubernetesManifestTests.CommittedObjects(redisCluster ? AspireManifestFixture.CommittedRedisClusterFolder : null).Select(o => o.Object).ToList();
        Assert.Equal(
            SecretReferences(committed).Where(reference => !reference.EndsWith("(optional)", StringComparison.Ordinal)),
            secrets.SelectMany(s => s.StringData.Keys.Select(key => $"{s.Metadata.Name}/{key}")).Order(StringComparer.Ordinal));
        AssertWired(committed, secrets);
    }

    [Fact]
    public async Task Secrets_for_managed_services_is_refused_naming_the_Secrets_to_create()
    {
        var folder = fixture.NewFolder("secrets-external");
        var log = new StringWriter();

        var exitCode = await DeployCommand.RunAsync(["--manifest", fixture.ManifestPath, "--secrets", folder, "--external-services"], log, log);

        Assert.Equal(1, exitCode);
        Assert.Contains("chatapi-secrets, stockbot-secrets", log.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void The_manifests_generator_cannot_write_Secrets()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => new KubernetesGenerator(fixture.Manifest, new DeployOptions()).GenerateSecrets());

        Assert.Contains("withholds secret values", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_docs_create_every_key_the_managed_services_variant_reads()
    {
        // docs/deploy.md's kubectl commands for --external-services, against what those manifests read.
        var docs = File.ReadAllText(Path.Combine(AspireManifestFixture.RepositoryRoot, "docs", "deploy.md"));
        var created = CreateSecretCommand().Matches(docs)
            .SelectMany(command => FromLiteral().Matches(command.Groups["options"].Value).Select(key => $"{command.Groups["name"].Value}/{key.Groups["key"].Value}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var external = new KubernetesGenerator(fixture.Manifest, new DeployOptions { ExternalServices = true }).Generate()
            .SelectMany(file => KubernetesManifestTests.Parse(file.Content))
            .ToList();

        Assert.Equal(SecretReferences(external).Where(reference => !reference.EndsWith("(optional)", StringComparison.Ordinal)), created);
    }

    /// <summary>A <c>kubectl create secret generic NAME</c> command with its continuation lines.</summary>
    [GeneratedRegex(@"create secret generic (?<name>[a-z-]+)(?<options>(?:[^\n]*\\\r?\n)*[^\n]*)")]
    private static partial Regex CreateSecretCommand();

    [GeneratedRegex(@"--from-literal=(?<key>[A-Za-z_-]+)=")]
    private static partial Regex FromLiteral();
}
