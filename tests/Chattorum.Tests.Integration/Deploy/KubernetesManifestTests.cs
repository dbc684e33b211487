using System.Text.Json.Nodes;
using Chattorum.Deploy;
using Chattorum.Tests.Integration.Support;
using k8s;
using k8s.Models;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The committed manifests in deploy/k8s/ are exactly what the generator makes of the current app model, parse strictly
/// with KubernetesClient and validate against the Kubernetes OpenAPI schemas.
/// </summary>
[Collection(DeployCollection.Name)]
public class KubernetesManifestTests(AspireManifestFixture fixture)
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("")]
    [InlineData("--redis-cluster")]
    [InlineData("--routing gateway")]
    public async Task Committed_manifests_are_what_the_generator_writes_now(string variant)
    {
        var (folder, command) = variant switch
        {
            "--redis-cluster" => (AspireManifestFixture.CommittedRedisClusterFolder, AspireManifestFixture.RegenerateRedisClusterCommand),
            "--routing gateway" => (AspireManifestFixture.CommittedGatewayFolder, AspireManifestFixture.RegenerateGatewayCommand),
            _ => (AspireManifestFixture.CommittedFolder, AspireManifestFixture.RegenerateCommand),
        };
        var output = fixture.NewFolder($"regenerated{variant.Replace(' ', '-')}");
        var log = new StringWriter();

        string[] arguments = ["--manifest", fixture.ManifestPath, "--output", output, .. variant.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        var exitCode = await DeployCommand.RunAsync(arguments, log, log);

        Assert.True(exitCode == 0, log.ToString());
        var generated = Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var committed = Directory.Exists(folder)
            ? Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()
            : [];
        var drift = new List<string>();
        drift.AddRange(generated.Except(committed).Select(name => $"{name} is missing"));
        drift.AddRange(committed.Except(generated).Select(name => $"{name} is no longer generated"));
        drift.AddRange(generated.Intersect(committed)
            .Where(name => !File.ReadAllBytes(Path.Combine(output, name!)).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(folder, name!))))
            .Select(name => $"{name} differs"));

        Assert.True(
            drift.Count == 0,
            $"{Path.GetRelativePath(AspireManifestFixture.RepositoryRoot, folder)}/ is out of date with the app model ({string.Join("; ", drift)}). " +
            $"Regenerate it from the repository root with `{command}` and commit the result.");
    }

    [Fact]
    public void Generation_is_deterministic_and_ignores_optional_secrets_given_to_the_AppHost()
    {
        var options = new DeployOptions();
        var first = new KubernetesGenerator(fixture.Manifest, options).Generate();
        var second = new KubernetesGenerator(fixture.Manifest, options).Generate();
        Assert.Equal(first, second);

        // With `dotnet user-secrets set Parameters:stooq-api-key ...` the AppHost passes the key to the bot: the manifest
        // then names it, and the generated YAML must not change.
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        json["resources"]!["stockbot"]!["env"]!["Quotes__Stooq__ApiKey"] = "{stooq-api-key.value}";
        json["resources"]!["stooq-api-key"] = JsonNode.Parse("""
            {"type":"parameter.v0","value":"{stooq-api-key.inputs.value}","inputs":{"value":{"type":"string","secret":true}}}
            """);
        var withKey = new KubernetesGenerator(AspireManifest.Parse(json.ToJsonString()), options).Generate();
        Assert.Equal(first, withKey);
    }

    [Fact]
    public void Every_committed_object_parses_strictly_with_KubernetesClient()
    {
        var objects = CommittedObjects();

        var kinds = objects.Select(o => $"{o.Object.ApiVersion}/{o.Object.Kind} {((IMetadata<V1ObjectMeta>)o.Object).Metadata.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "apps/v1/Deployment chatapi",
                "apps/v1/Deployment dashboard",
                "apps/v1/Deployment stockbot",
                "apps/v1/StatefulSet cache",
                "apps/v1/StatefulSet messaging",
                "autoscaling/v2/HorizontalPodAutoscaler chatapi",
                "autoscaling/v2/HorizontalPodAutoscaler stockbot",
                "networking.k8s.io/v1/Ingress chatapi",
                "networking.k8s.io/v1/NetworkPolicy cache-clients",
                "networking.k8s.io/v1/NetworkPolicy chatapi-from-ingress",
                "networking.k8s.io/v1/NetworkPolicy dashboard-otlp",
                "networking.k8s.io/v1/NetworkPolicy default-deny-ingress",
                "networking.k8s.io/v1/NetworkPolicy messaging-clients",
                "networking.k8s.io/v1/NetworkPolicy messaging-peers",
                "policy/v1/PodDisruptionBudget chatapi",
                "policy/v1/PodDisruptionBudget messaging",
                "policy/v1/PodDisruptionBudget stockbot",
                "rbac.authorization.k8s.io/v1/Role messaging-peer-discovery",
                "rbac.authorization.k8s.io/v1/RoleBinding messaging-peer-discovery",
                "v1/ConfigMap chatapi-config",
                "v1/ConfigMap messaging-config",
                "v1/ConfigMap stockbot-config",
                "v1/Service cache",
                "v1/Service cache-headless",
                "v1/Service chatapi",
                "v1/Service dashboard",
                "v1/Service messaging",
                "v1/Service messaging-headless",
                "v1/ServiceAccount messaging",
            ],
            kinds);
    }

    [Fact]
    public void Every_committed_Redis_Cluster_object_parses_strictly_with_KubernetesClient()
    {
        var objects = CommittedObjects(AspireManifestFixture.CommittedRedisClusterFolder);

        // The single Redis's Service and StatefulSet give way to the cluster's objects, and one NetworkPolicy lets the nodes
        // and the Job reach the nodes; the rest is as in deploy/k8s.
        var cacheFile = objects.Where(o => o.File == "cache.yaml")
            .Select(o => $"{o.Object.ApiVersion}/{o.Object.Kind} {((IMetadata<V1ObjectMeta>)o.Object).Metadata.Name}");
        Assert.Equal(
            [
                "v1/ConfigMap cache-config",
                "v1/Service cache-headless",
                "apps/v1/StatefulSet cache",
                "batch/v1/Job cache-create",
                "policy/v1/PodDisruptionBudget cache",
            ],
            cacheFile);
        var others = objects.Where(o => o.File != "cache.yaml").Select(Describe).Order(StringComparer.Ordinal);
        var single = CommittedObjects().Where(o => o.File != "cache.yaml").Select(Describe)
            .Append($"{KubernetesGenerator.NetworkPoliciesFileName}: networking.k8s.io/v1/NetworkPolicy cache-peers")
            .Order(StringComparer.Ordinal);
        Assert.Equal(single, others);

        static string Describe((string File, IKubernetesObject Object) o) =>
            $"{o.File}: {o.Object.ApiVersion}/{o.Object.Kind} {((IMetadata<V1ObjectMeta>)o.Object).Metadata.Name}";
    }

    [Fact]
    public void Strict_parsing_rejects_a_misspelled_field()
    {
        // The guard the test above relies on: without strict, a typo would pass silently.
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: typo
            spec:
              replica: 3
            """;

        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml));
    }

    [Fact]
    public async Task Every_object_is_valid_against_the_Kubernetes_OpenAPI_schemas()
    {
        // The committed files (every folder), what --secrets writes, and variants written to temporary folders:
        // --external-services, and TLS with cert-manager on the Ingress and on the Gateway (with the dashboard's OpenID
        // Connect login).
        var variants = new Dictionary<string, DeployOptions>
        {
            ["external-services"] = new() { ExternalServices = true },
            ["ingress-tls"] = new() { IngressHost = "chat.example.com", ClusterIssuer = "letsencrypt", DashboardOidc = new("https://login.example.com", "dashboard") },
            ["gateway-tls"] = new() { Routing = Routing.Gateway, IngressHost = "chat.example.com", ClusterIssuer = "letsencrypt" },
        };
        var variantFiles = new List<string>();
        var secrets = new KubernetesGenerator(fixture.Manifest, new DeployOptions(), SecretValues.Random()).GenerateSecrets();
        var secretsPath = Path.Combine(fixture.NewFolder("secrets"), secrets.Name);
        await File.WriteAllTextAsync(secretsPath, secrets.Content);
        variantFiles.Add(secretsPath);
        foreach (var (name, options) in variants)
        {
            var variant = fixture.NewFolder(name);
            foreach (var file in new KubernetesGenerator(fixture.Manifest, options).Generate())
            {
                var path = Path.Combine(variant, file.Name);
                await File.WriteAllTextAsync(path, file.Content);
                variantFiles.Add(path);
            }
        }

        var files = Directory.GetFiles(AspireManifestFixture.CommittedFolder, "*.yaml")
            .Concat(Directory.GetFiles(AspireManifestFixture.CommittedRedisClusterFolder, "*.yaml"))
            .Concat(Directory.GetFiles(AspireManifestFixture.CommittedGatewayFolder, "*.yaml"))
            .Concat(variantFiles)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);

        var (exitCode, output) = await RunValidatorAsync(files);

        Assert.True(exitCode == 0, $"tools/k8s-validate/validate.mjs found invalid objects (exit code {exitCode}):\n{output}");
        Assert.Contains("0 problem(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_reports_a_schema_violation()
    {
        var folder = fixture.NewFolder("invalid");
        var path = Path.Combine(folder, "invalid.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: broken
            spec:
              replicas: "three"
              selector: {}
              template:
                spec:
                  containers:
                  - name: a
                    imagePullPolicy: Sometimes
            """);

        var (exitCode, output) = await RunValidatorAsync([path]);

        Assert.Equal(1, exitCode);
        Assert.Contains("/spec/replicas must be integer", output, StringComparison.Ordinal);
        Assert.Contains("imagePullPolicy must be equal to one of the allowed values", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_checks_Gateway_API_cert_manager_and_NetworkPolicy_objects_against_their_schemas()
    {
        var folder = fixture.NewFolder("invalid-custom");
        var path = Path.Combine(folder, "invalid.yaml");
        await File.WriteAllTextAsync(path, """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: broken
            spec:
              gatewayClassName: eg
              listeners:
              - name: https
                port: https
                protocol: HTTPS
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: broken
            spec:
              rules:
              - matches:
                - path:
                    type: Regexish
                    value: /
            ---
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata:
              name: broken
            spec:
              dnsNames: [chat.example.com]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: broken
            spec:
              policyTypes: [Sideways]
            """);

        var (exitCode, output) = await RunValidatorAsync([path]);

        Assert.Equal(1, exitCode);
        Assert.Contains("4 object(s): 0 valid, 4 problem(s)", output, StringComparison.Ordinal);
        Assert.Contains("/spec/listeners/0/port must be integer", output, StringComparison.Ordinal);
        Assert.Contains("/spec/rules/0/matches/0/path/type must be equal to one of the allowed values", output, StringComparison.Ordinal);
        Assert.Contains("/spec must have required property issuerRef", output, StringComparison.Ordinal);
        Assert.Contains("/spec/policyTypes/0 must be equal to one of the allowed values", output, StringComparison.Ordinal);
    }

    /// <summary>The objects of the committed files in <paramref name="folder"/> (default deploy/k8s/), parsed strictly, file by file.</summary>
    internal static List<(string File, IKubernetesObject Object)> CommittedObjects(string? folder = null)
    {
        folder ??= AspireManifestFixture.CommittedFolder;
        Assert.True(Directory.Exists(folder), $"No {folder}: run `{AspireManifestFixture.RegenerateCommand}` (or `{AspireManifestFixture.RegenerateRedisClusterCommand}`).");
        return Directory.GetFiles(folder, "*.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(path => Parse(File.ReadAllText(path)).Select(o => (Path.GetFileName(path), o)))
            .ToList();
    }

    internal static List<IKubernetesObject> Parse(string yaml) =>
        KubernetesYaml.LoadAllFromString(yaml, CustomObjectTypes.Map, strict: true).Cast<IKubernetesObject>().ToList();

    internal static async Task<(int ExitCode, string Output)> RunValidatorAsync(IEnumerable<string> files)
    {
        var folder = Path.Combine(AspireManifestFixture.RepositoryRoot, "tools", "k8s-validate");
        Assert.True(
            Directory.Exists(Path.Combine(folder, "node_modules", "kubernetes-models")),
            "tools/k8s-validate/node_modules is missing: run `npm ci --prefix tools/k8s-validate` (scripts/test.sh does).");

        var result = await ToolProcess.RunAsync(
            "node", [Path.Combine(folder, "validate.mjs"), .. files], NodeTimeout, "install Node.js (scripts/test.sh does)", folder);
        return (result.ExitCode, result.Output);
    }
}
