using Chattorum.Deploy;
using k8s;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The Kustomize layout (docs/deploy.md, "Kustomize"): every generated folder is a base of exactly its files, and
/// deploy/kustomize's base and overlays render, with <c>kubectl kustomize</c>, objects that parse strictly, validate
/// against the schemas, run under the Restricted Pod Security Standard and are wired together; each overlay changes what
/// it says and nothing else.
/// </summary>
[Collection(DeployCollection.Name)]
public class KustomizeTests(AspireManifestFixture fixture)
{
    private const string Namespace = "chattorum";

    /// <summary>What the production overlay names: its example registry, host and cert-manager ClusterIssuer.</summary>
    private const string ProductionRegistry = "registry.example.com";
    private const string ProductionHost = "chat.example.com";
    private const string ProductionIssuer = "letsencrypt";

    private static readonly string[] Applications = ["chatapi", "stockbot"];

    private static string KustomizeFolder => Path.Combine(AspireManifestFixture.RepositoryRoot, "deploy", "kustomize");

    [Theory]
    [InlineData("k8s")]
    [InlineData("k8s-redis-cluster")]
    [InlineData("k8s-gateway")]
    public async Task Every_committed_folder_is_a_Kustomize_base_of_exactly_its_files(string folder)
    {
        var path = Path.Combine(AspireManifestFixture.RepositoryRoot, "deploy", folder);

        var built = KubernetesManifestTests.Parse(await KubectlKustomize.BuildAsync(path));

        // A manifest the Kustomization left out would be missing here, and so would never be applied with -k.
        AssertSameObjects(KubernetesManifestTests.CommittedObjects(path).Select(o => o.Object), built, $"kubectl kustomize deploy/{folder} against its *.yaml files");
    }

    [Theory]
    [InlineData("--external-services")]
    [InlineData("--otlp-endpoint http://otel-collector.observability:4317")]
    [InlineData("--redis-cluster --routing gateway --ingress-host chat.example.com --cluster-issuer letsencrypt")]
    public async Task The_generated_Kustomization_lists_the_files_of_its_own_run(string variant)
    {
        // Variants with fewer files (no StatefulSets, no dashboard) or other ones (the cluster's, the Gateway's Certificate).
        var folder = await GenerateAsync($"kustomize-variant{variant.Replace(' ', '-').Replace('/', '-').Replace(':', '-')}", variant.Split(' '));

        var built = KubernetesManifestTests.Parse(await KubectlKustomize.BuildAsync(folder));

        Assert.True(File.Exists(Path.Combine(folder, KubernetesGenerator.KustomizationFileName)));
        AssertSameObjects(KubernetesManifestTests.CommittedObjects(folder).Select(o => o.Object), built, $"kubectl kustomize of the files written with {variant}");
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/development")]
    [InlineData("overlays/production")]
    public async Task Each_kustomization_renders_valid_namespaced_restricted_wired_objects(string kustomization)
    {
        var yaml = await BuildAsync(kustomization);
        var objects = KubernetesManifestTests.Parse(yaml);

        // The same schema validation as the generated files get.
        var path = Path.Combine(fixture.NewFolder($"kustomize-{kustomization.Replace('/', '-')}"), "rendered.yaml");
        await File.WriteAllTextAsync(path, yaml);
        var (exitCode, output) = await KubernetesManifestTests.RunValidatorAsync([path]);
        Assert.True(exitCode == 0, $"tools/k8s-validate/validate.mjs found invalid objects in {kustomization} (exit code {exitCode}):\n{output}");
        Assert.Contains($"{objects.Count} object(s): {objects.Count} valid, 0 problem(s)", output, StringComparison.Ordinal);

        // The namespace comes with the profile enforced, and everything else lands in it.
        var ns = Assert.Single(objects.OfType<V1Namespace>());
        Assert.Equal(Namespace, ns.Metadata.Name);
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        Assert.Equal("latest", ns.Metadata.Labels["pod-security.kubernetes.io/enforce-version"]);
        Assert.All(
            objects.Where(o => o is not V1Namespace),
            o => Assert.Equal(Namespace, ((IMetadata<V1ObjectMeta>)o).Metadata.NamespaceProperty));
        Assert.All(objects.OfType<V1RoleBinding>().SelectMany(b => b.Subjects), subject => Assert.Equal(Namespace, subject.NamespaceProperty));

        // Which the namespace then enforces: every pod would be admitted.
        var pods = PodSecurityStandard.PodTemplates(objects).ToList();
        Assert.NotEmpty(pods);
        foreach (var (name, template) in pods)
        {
            var violations = PodSecurityStandard.RestrictedViolations(template);
            Assert.True(violations.Count == 0, $"{kustomization}: {name} breaks the Restricted profile: {string.Join("; ", violations)}");
        }

        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions()));
    }

    [Fact]
    public async Task Development_runs_one_small_replica_of_each_application_without_autoscalers_and_changes_nothing_else()
    {
        var baseObjects = KubernetesManifestTests.Parse(await BuildAsync("base"));
        var development = KubernetesManifestTests.Parse(await BuildAsync("overlays/development"));

        Assert.NotEmpty(baseObjects.OfType<V2HorizontalPodAutoscaler>());
        // An autoscaler would bring the replicas back to its minimum (the app model's), and needs metrics-server.
        Assert.Empty(development.OfType<V2HorizontalPodAutoscaler>());
        foreach (var app in Applications)
        {
            var deployment = Named<V1Deployment>(development, app);
            Assert.Equal(1, deployment.Spec.Replicas);
            var requests = deployment.Spec.Template.Spec.Containers.Single().Resources.Requests;
            var baseRequests = Named<V1Deployment>(baseObjects, app).Spec.Template.Spec.Containers.Single().Resources.Requests;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                Assert.True(
                    requests[resource].ToDecimal() <= baseRequests[resource].ToDecimal(),
                    $"{app}: development requests {requests[resource]} {resource}, more than the base's {baseRequests[resource]}");
            }

            // A disruption budget that kept the only pod would block every node drain.
            Assert.Equal("1", Named<V1PodDisruptionBudget>(development, app).Spec.MaxUnavailable.Value);
        }

        var chat = Named<V1Deployment>(development, "chatapi").Spec.Template.Spec.Containers.Single().Resources;
        var baseChat = Named<V1Deployment>(baseObjects, "chatapi").Spec.Template.Spec.Containers.Single().Resources;
        Assert.True(chat.Requests["cpu"].ToDecimal() < baseChat.Requests["cpu"].ToDecimal(), $"chatapi: development requests {chat.Requests["cpu"]} cpu");
        Assert.True(chat.Requests["memory"].ToDecimal() < baseChat.Requests["memory"].ToDecimal(), $"chatapi: development requests {chat.Requests["memory"]} memory");

        // The API server refuses a container that requests more than its limit.
        foreach (var container in development.OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers))
        {
            foreach (var (resource, request) in container.Resources.Requests)
            {
                Assert.True(request.ToDecimal() <= container.Resources.Limits[resource].ToDecimal(), $"{container.Name}: {resource} request {request} above its limit");
            }
        }

        // Nothing else: the base with exactly these changes is the development overlay.
        var expected = baseObjects.Where(o => o is not V2HorizontalPodAutoscaler).ToList();
        foreach (var app in Applications)
        {
            var deployment = Named<V1Deployment>(expected, app);
            deployment.Spec.Replicas = 1;
            deployment.Spec.Template.Spec.Containers.Single().Resources.Requests =
                Named<V1Deployment>(development, app).Spec.Template.Spec.Containers.Single().Resources.Requests;
        }

        AssertSameObjects(expected, development, "the development overlay against the base with one replica, smaller requests and no autoscaler");
    }

    [Fact]
    public async Task Production_is_what_the_generator_writes_for_its_registry_host_and_issuer()
    {
        var production = KubernetesManifestTests.Parse(await BuildAsync("overlays/production"));

        var tag = ImageReferenceTests.DirectoryBuildVersion();
        foreach (var app in Applications)
        {
            // The registry in front of the app model's repository, the release's tag kept.
            Assert.Equal($"{ProductionRegistry}/chattorum/{app}:{tag}", Named<V1Deployment>(production, app).Spec.Template.Spec.Containers.Single().Image);
            // Replicas and autoscaling as the app model gives them.
            Assert.Equal(fixture.Manifest[app].Replicas, Named<V1Deployment>(production, app).Spec.Replicas);
            Assert.Equal(fixture.Manifest[app].Replicas, Named<V2HorizontalPodAutoscaler>(production, app).Spec.MinReplicas);
        }

        var ingress = Named<V1Ingress>(production, "chatapi");
        Assert.Equal(ProductionHost, ingress.Spec.Rules.Single().Host);
        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal([ProductionHost], tls.Hosts);
        Assert.Equal(KubernetesGenerator.TlsSecretName("chatapi"), tls.SecretName);
        Assert.Equal(ProductionIssuer, ingress.Metadata.Annotations[KubernetesGenerator.CertManagerClusterIssuerAnnotation]);

        // Exactly what the generator's options write, put through the same base: the overlay's patches stay what the
        // generator would do, whatever it comes to write for an Ingress.
        var root = fixture.NewFolder("kustomize-production-equivalent");
        await GenerateAsync(
            Path.Combine(root, "deploy", "k8s"),
            ["--image-registry", ProductionRegistry, "--ingress-host", ProductionHost, "--cluster-issuer", ProductionIssuer]);
        var baseCopy = Directory.CreateDirectory(Path.Combine(root, "deploy", "kustomize", "base")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(KustomizeFolder, "base")))
        {
            File.Copy(file, Path.Combine(baseCopy, Path.GetFileName(file)));
        }

        var expected = KubernetesManifestTests.Parse(await KubectlKustomize.BuildAsync(baseCopy));
        AssertSameObjects(expected, production, $"the production overlay against the generator's --image-registry {ProductionRegistry} --ingress-host {ProductionHost} --cluster-issuer {ProductionIssuer}");
    }

    [Fact]
    public async Task An_overlay_of_ones_own_moves_everything_to_its_namespace()
    {
        // The example of docs/deploy.md: the development overlay in a namespace of its own, with a release candidate's images.
        var folder = fixture.NewFolder("kustomize-staging");
        var development = Path.GetRelativePath(folder, Path.Combine(KustomizeFolder, "overlays", "development")).Replace('\\', '/');
        await File.WriteAllTextAsync(Path.Combine(folder, "kustomization.yaml"), $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: chattorum-staging
            resources:
            - {development}
            images:
            - name: chattorum/chatapi
              newName: registry.example.com/chattorum/chatapi
              newTag: 0.18.0-rc.1
            - name: chattorum/stockbot
              newName: registry.example.com/chattorum/stockbot
              newTag: 0.18.0-rc.1
            """);

        var objects = KubernetesManifestTests.Parse(await KubectlKustomize.BuildAsync(folder));

        // The Namespace object is renamed with the rest, its profile kept; the RBAC subject follows.
        var ns = Assert.Single(objects.OfType<V1Namespace>());
        Assert.Equal("chattorum-staging", ns.Metadata.Name);
        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
        Assert.All(objects.Where(o => o is not V1Namespace), o => Assert.Equal("chattorum-staging", ((IMetadata<V1ObjectMeta>)o).Metadata.NamespaceProperty));
        Assert.All(objects.OfType<V1RoleBinding>().SelectMany(b => b.Subjects), subject => Assert.Equal("chattorum-staging", subject.NamespaceProperty));
        foreach (var app in Applications)
        {
            var deployment = Named<V1Deployment>(objects, app);
            Assert.Equal($"registry.example.com/chattorum/{app}:0.18.0-rc.1", deployment.Spec.Template.Spec.Containers.Single().Image);
            Assert.Equal(1, deployment.Spec.Replicas);
        }

        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions()));
    }

    private static Task<string> BuildAsync(string kustomization) => KubectlKustomize.BuildAsync(Path.Combine(KustomizeFolder, kustomization));

    /// <summary>Runs the generator's command line on the fixture's manifest into <paramref name="output"/> (a folder, or a name for a new one).</summary>
    private async Task<string> GenerateAsync(string output, string[] options)
    {
        var folder = Path.IsPathRooted(output) ? output : fixture.NewFolder(output);
        var log = new StringWriter();
        var exitCode = await DeployCommand.RunAsync(["--manifest", fixture.ManifestPath, "--output", folder, .. options], log, log);
        Assert.True(exitCode == 0, log.ToString());
        return folder;
    }

    /// <summary>The same objects on both sides, in any order; the message names the ones that are missing, extra or differ.</summary>
    private static void AssertSameObjects(IEnumerable<IKubernetesObject> expected, IEnumerable<IKubernetesObject> actual, string what)
    {
        var expectedYaml = expected.ToDictionary(Identity, KubernetesYaml.Serialize, StringComparer.Ordinal);
        var actualYaml = actual.ToDictionary(Identity, KubernetesYaml.Serialize, StringComparer.Ordinal);
        var drift = expectedYaml.Keys.Except(actualYaml.Keys).Select(key => $"{key} is missing")
            .Concat(actualYaml.Keys.Except(expectedYaml.Keys).Select(key => $"{key} is extra"))
            .Concat(expectedYaml.Keys.Intersect(actualYaml.Keys).Where(key => expectedYaml[key] != actualYaml[key]).Select(key => $"{key} differs"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(expectedYaml);
        Assert.True(drift.Count == 0, $"{what}: {string.Join("; ", drift)}");

        static string Identity(IKubernetesObject o) => $"{o.ApiVersion}/{o.Kind} {((IMetadata<V1ObjectMeta>)o).Metadata.Name}";
    }
}
