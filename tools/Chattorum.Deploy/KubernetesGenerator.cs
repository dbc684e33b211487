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
/// node or a Redis Cluster (<c>.RedisCluster.cs</c>), RabbitMQ a cluster of three (<c>.RabbitMQCluster.cs</c>);</item>
/// <item>the Kustomization that lists the files, so that every output folder is a Kustomize base (<c>.Kustomize.cs</c>).</item>
/// </list>
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>Each application's own Secret (its connection strings and keys): one workload cannot mount another's.</summary>
    public static string AppSecretName(string project) => $"{project}-secrets";

    public const string ServiceSecretName = "chattorum-service-secrets";
    public const string PartOf = "chattorum";
    public const string ManagedBy = "chattorum-deploy";
    /// <summary>What <c>--secrets DIR</c> writes: the Secrets with their values, never part of the manifests.</summary>
    public const string SecretsFileName = "secrets.yaml";

    /// <summary>The prefix of the placeholders that secrets.yaml held before 0.17 (the cookie installer still refuses one).</summary>
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
    private readonly SecretValues secretValues;
    private readonly ManifestExpressions expressions;

    /// <summary>
    /// <paramref name="secretValues"/>: where the Secrets' values come from, <see cref="SecretValues.Withheld"/> (the
    /// default) for the manifests, which carry no Secret; random ones for <see cref="GenerateSecrets"/>.
    /// </summary>
    public KubernetesGenerator(AspireManifest manifest, DeployOptions options, SecretValues? secretValues = null)
    {
        this.manifest = manifest;
        this.options = options;
        this.secretValues = secretValues ?? SecretValues.Withheld;
        expressions = new ManifestExpressions(
            manifest,
            hostOf: resource => resource.Name,
            parameterValue: parameter => this.secretValues.Parameter(parameter.Name, parameter.MinLength),
            connectionStringOf: (resource, evaluated) => IsInClusterRedisCluster(resource) ? RedisClusterConnectionString(resource, evaluated) : evaluated);
    }

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

    /// <summary>The manifest files, in name order.</summary>
    public IReadOnlyList<ManifestFile> Generate() =>
        GenerateObjects()
            .Select(file => new ManifestFile(file.Key, Serialize(file.Value, ManifestHeader())))
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>The objects of every manifest file, before serialization: the workloads and what they need, but no Secret.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<IKubernetesObject>> GenerateObjects() => Build().Files;

    /// <summary>
    /// The Secrets every workload reads, with this generator's (random) values: the file <c>--secrets DIR</c> writes for
    /// the operator to apply and delete. Refused for managed services, whose addresses and passwords only the operator knows.
    /// </summary>
    public ManifestFile GenerateSecrets()
    {
        if (secretValues.AreWithheld)
        {
            throw new InvalidOperationException("The manifests' generator withholds secret values: give it SecretValues.Random() to write Secrets.");
        }

        if (options.ExternalServices)
        {
            throw new NotSupportedException(
                "--secrets with --external-services: the managed services' addresses and passwords are yours. Create the Secrets " +
                $"{string.Join(", ", manifest.Resources.Where(r => r.IsProject).Select(r => AppSecretName(r.Name)))} with their connection strings" +
                (DeploysDashboard ? $", and {DashboardSecretName} with the dashboard's keys" : string.Empty) + " (docs/deploy.md).");
        }

        return new ManifestFile(SecretsFileName, Serialize(Build().Secrets, SecretsHeader()));
    }

    /// <summary>The manifest files' objects, and the Secrets they read (with the values of <see cref="secretValues"/>).</summary>
    private (Dictionary<string, IReadOnlyList<IKubernetesObject>> Files, List<IKubernetesObject> Secrets) Build()
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
            var projectSecrets = new SortedDictionary<string, string>(StringComparer.Ordinal);
            files.Add($"{project.Name}.yaml", Project(project, projectSecrets));
            appSecrets.Add(project.Name, projectSecrets);
        }

        AddOperationsFiles(files);

        var secrets = appSecrets
            .Where(project => project.Value.Count > 0)
            .Select(project => (IKubernetesObject)Secret(AppSecretName(project.Key), project.Value))
            .ToList();
        if (serviceSecrets.Count > 0)
        {
            secrets.Add(Secret(ServiceSecretName, serviceSecrets));
        }

        if (DeploysDashboard)
        {
            // The dashboard's browser token and the API key every service sends with its telemetry. With OpenID Connect
            // the operator adds the client secret the identity provider issued (docs/deploy.md).
            secrets.Add(Secret(DashboardSecretName, new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [DashboardBrowserTokenKey] = secretValues.Parameter($"{DashboardName}-{DashboardBrowserTokenKey}", minLength: null),
                [DashboardOtlpApiKeyKey] = secretValues.Parameter($"{DashboardName}-{DashboardOtlpApiKeyKey}", minLength: null),
            }));
        }

        foreach (var (file, objects) in files)
        {
            RequireRestricted(file, objects);
        }

        return (files, secrets);
    }

    private string[] ManifestHeader() =>
    [
        "# Generated by tools/Chattorum.Deploy from the AppHost's app model (its Aspire manifest). Do not edit by hand;",
        $"# regenerate with: dotnet run --project tools/Chattorum.Deploy -- --output {options.OutputFolder}{Arguments()}",
    ];

    private string[] SecretsHeader() =>
    [
        "# Generated by tools/Chattorum.Deploy: the Secrets the workloads read, with new random values. Real secrets: apply",
        "# them (kubectl -n NAMESPACE apply -f secrets.yaml) before the workloads, then delete this file; never commit it.",
        $"# Written by: dotnet run --project tools/Chattorum.Deploy -- --secrets DIR{Arguments()}",
    ];

    private string Arguments() => string.Concat(options.ToArguments().Select(argument => " " + argument));

    private static string Serialize(IReadOnlyList<IKubernetesObject> objects, IEnumerable<string> header)
    {
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
