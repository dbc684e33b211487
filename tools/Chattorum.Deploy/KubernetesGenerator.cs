using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>One generated file: its name in the output folder and its text (YAML documents separated by <c>---</c>).</summary>
internal sealed record ManifestFile(string Name, string Content);

/// <summary>
/// Translates the AppHost's Aspire manifest into Kubernetes objects (KubernetesClient's typed models) and serializes them,
/// one file per component plus one for the Secrets. The output depends only on the manifest and the options: stable
/// order, no timestamps, so the committed YAML is reproducible. It knows no project by name: what a project's
/// deployment needs beyond Aspire's entry comes from the app model (<see cref="ProjectDeployment"/>).
/// One concern per file:
/// <list type="bullet">
/// <item>workloads (<c>KubernetesGenerator.Workloads.cs</c>): every project becomes a Deployment (replicas, probes, requests
/// and limits, image from the app model); one with an external HTTP endpoint also gets a <c>preStop</c> pause and a grace
/// period that lets it close its WebSockets;</item>
/// <item>services and routes (<c>.Routes.cs</c>): the Services, and the Ingress (WebSocket-friendly timeouts) of a project
/// with an external HTTP endpoint;</item>
/// <item>configuration and secrets (<c>.Configuration.cs</c>): environment values that are expressions (connection strings,
/// secret parameters) go to the application's own Secret with <c>REPLACE-ME</c> placeholders, literal values to its
/// ConfigMap; each application's broker connection string names its own broker user;</item>
/// <item>policies (<c>.Policies.cs</c>): the HorizontalPodAutoscaler and PodDisruptionBudget of a replicated project, the
/// pods' security contexts;</item>
/// <item>backing services: every container becomes a StatefulSet with a volume claim, a Service and a headless Service
/// (<c>.BackingServices.cs</c>, <c>.StatefulSets.cs</c>), unless <see cref="DeployOptions.ExternalServices"/>: Redis one
/// node or a Redis Cluster (<c>.RedisCluster.cs</c>), RabbitMQ a cluster of three (<c>.RabbitMQCluster.cs</c>).</item>
/// </list>
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>Each application's own Secret (its connection strings and keys): one workload cannot mount another's.</summary>
    public static string AppSecretName(string project) => $"{project}-secrets";

    public const string ServiceSecretName = "chattorum-service-secrets";
    public const string PartOf = "chattorum";
    public const string ManagedBy = "chattorum-deploy";
    public const string SecretsFileName = "secrets.yaml";
    public const string PlaceholderPrefix = "REPLACE-ME";

    public static class Labels
    {
        public const string Name = "app.kubernetes.io/name";
        public const string PartOf = "app.kubernetes.io/part-of";
        public const string Component = "app.kubernetes.io/component";
        public const string ManagedBy = "app.kubernetes.io/managed-by";
    }

    private readonly AspireManifest manifest;
    private readonly DeployOptions options;
    private readonly ManifestExpressions expressions;

    public KubernetesGenerator(AspireManifest manifest, DeployOptions options)
    {
        this.manifest = manifest;
        this.options = options;
        expressions = new ManifestExpressions(
            manifest,
            hostOf: HostOf,
            parameterValue: parameter => $"{PlaceholderPrefix}-{parameter.Name}",
            connectionStringOf: (resource, evaluated) => IsInClusterRedisCluster(resource) ? RedisClusterConnectionString(resource, evaluated) : evaluated);
    }

    /// <summary>The host name a resource is reached at: its Service, or a placeholder for a managed service.</summary>
    private string HostOf(AspireResource resource) =>
        options.ExternalServices && resource.IsContainer ? $"{PlaceholderPrefix}-{resource.Name}-host" : resource.Name;

    /// <summary>The app model's RabbitMQ, if it has one.</summary>
    private AspireResource? Broker() =>
        manifest.Resources.SingleOrDefault(resource => resource.IsContainer && BackingServiceTemplate.IsRabbitMQ(resource));

    /// <summary>The environment variable through which an application reads the broker's connection string.</summary>
    private static string BrokerConnectionStringKey(AspireResource broker) => $"ConnectionStrings__{broker.Name}";

    /// <summary>The broker user of every application that connects to the broker, in the order of the app model.</summary>
    public IReadOnlyList<BrokerIdentity> BrokerIdentities()
    {
        var broker = Broker();
        return broker is null
            ? []
            : manifest.Resources
                .Where(resource => resource.IsProject && resource.Env.Any(variable => variable.Key == BrokerConnectionStringKey(broker)))
                .Select(BrokerIdentityOf)
                .ToList();
    }

    private static BrokerIdentity BrokerIdentityOf(AspireResource project) =>
        DeploymentOf(project).BrokerUser
            ?? throw new NotSupportedException(
                $"Project '{project.Name}' connects to the broker, but the app model gives it no broker user: connect it with WithBrokerUser in the AppHost.");

    /// <summary>What the app model says of a project's deployment (<c>WithDeployment</c> in the AppHost).</summary>
    private static ProjectDeployment DeploymentOf(AspireResource project) =>
        project.Deployment
            ?? throw new NotSupportedException(
                $"Project '{project.Name}' has no \"{ProjectDeployment.PropertyName}\" in the Aspire manifest: give it one with WithDeployment in the AppHost.");

    /// <summary>The files, in name order.</summary>
    public IReadOnlyList<ManifestFile> Generate() =>
        GenerateObjects()
            .Select(file => new ManifestFile(file.Key, Serialize(file.Value, file.Key == SecretsFileName)))
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>The objects of every file, before serialization.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IKubernetesObject>> GenerateObjects()
    {
        var files = new Dictionary<string, IReadOnlyList<IKubernetesObject>>(StringComparer.Ordinal);
        var appSecrets = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var serviceSecrets = new SortedDictionary<string, string>(StringComparer.Ordinal);

        var containers = manifest.Resources.Where(resource => resource.IsContainer).ToList();
        var projects = manifest.Resources.Where(resource => resource.IsProject).ToList();
        if (projects.Count == 0)
        {
            throw new InvalidOperationException("The Aspire manifest has no projects.");
        }

        if (options.RedisCluster && !containers.Any(BackingServiceTemplate.IsRedis))
        {
            throw new NotSupportedException("--redis-cluster: the app model has no Redis container to turn into a cluster.");
        }

        if (!options.ExternalServices)
        {
            foreach (var container in containers)
            {
                files.Add(
                    $"{container.Name}.yaml",
                    IsInClusterRedisCluster(container) ? RedisCluster(container, serviceSecrets)
                    : IsInClusterRabbitMQ(container) ? RabbitMQCluster(container, BrokerIdentities(), serviceSecrets)
                    : BackingService(container, serviceSecrets));
            }
        }

        foreach (var project in projects)
        {
            var secrets = new SortedDictionary<string, string>(StringComparer.Ordinal);
            files.Add($"{project.Name}.yaml", Project(project, secrets));
            appSecrets.Add(project.Name, secrets);
        }

        AddOperationsFiles(files);

        var allSecrets = appSecrets
            .Where(project => project.Value.Count > 0)
            .Select(project => (IKubernetesObject)Secret(AppSecretName(project.Key), project.Value))
            .ToList();
        if (serviceSecrets.Count > 0)
        {
            allSecrets.Add(Secret(ServiceSecretName, serviceSecrets));
        }

        files.Add(SecretsFileName, allSecrets);
        return files;
    }

    private string Serialize(IReadOnlyList<IKubernetesObject> objects, bool secrets)
    {
        var arguments = string.Concat(options.ToArguments().Select(argument => " " + argument));
        var header = new List<string>
        {
            "# Generated by tools/Chattorum.Deploy from the AppHost's app model (its Aspire manifest). Do not edit by hand;",
            $"# regenerate with: dotnet run --project tools/Chattorum.Deploy -- --output {options.OutputFolder}{arguments}",
        };
        if (secrets)
        {
            header.Add($"# Every {PlaceholderPrefix} value is a placeholder: set real secrets before going live (README, \"Deploy to Kubernetes\").");
            header.Add("# ChatApi refuses to start until Auth__SigningKey is a secret of at least 32 bytes; RabbitMQ until its Erlang cookie is");
            header.Add("# set; the broker users (the definitions file) have no password until it is replaced (docs/deploy.md).");
        }

        var body = string.Join("\n---\n", objects.Select(KubernetesYaml.Serialize));
        return string.Join('\n', header) + "\n" + body + "\n";
    }

    // ---- names and labels every object shares -------------------------------------------------------------------

    private static V1ObjectMeta Metadata(string name, IDictionary<string, string> labels) => new()
    {
        Name = name,
        Labels = new SortedDictionary<string, string>(labels, StringComparer.Ordinal),
    };

    private static SortedDictionary<string, string> ComponentLabels(string name, string component) => new(StringComparer.Ordinal)
    {
        [Labels.Component] = component,
        [Labels.ManagedBy] = ManagedBy,
        [Labels.Name] = name,
        [Labels.PartOf] = PartOf,
    };

    /// <summary>The labels that select a component's pods: few and stable, since a Deployment's selector is immutable.</summary>
    private static SortedDictionary<string, string> Selector(string name) => new(StringComparer.Ordinal)
    {
        [Labels.Name] = name,
        [Labels.PartOf] = PartOf,
    };
}
