using System.Globalization;
using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>One generated file: its name in the output folder and its text (YAML documents separated by <c>---</c>).</summary>
internal sealed record ManifestFile(string Name, string Content);

/// <summary>
/// Translates the AppHost's Aspire manifest into Kubernetes objects (KubernetesClient's typed models) and serializes them,
/// one file per component plus one for the Secrets. The output depends only on the manifest and the options: stable
/// order, no timestamps, so the committed YAML is reproducible.
/// <list type="bullet">
/// <item>Every project becomes a Deployment (replicas from the app model) with a ConfigMap for its plain settings, probes on
/// <c>/health</c> (ready) and <c>/alive</c> (live), requests and limits. A project with an external HTTP endpoint also gets
/// a Service, an Ingress with WebSocket-friendly timeouts, a <c>preStop</c> pause and a grace period that lets it close
/// its WebSockets; one with more than one replica a HorizontalPodAutoscaler and a PodDisruptionBudget.</item>
/// <item>Every container becomes a StatefulSet with a volume claim, a Service and a headless Service, unless
/// <see cref="DeployOptions.ExternalServices"/>: Redis one node (or a Redis Cluster, <see cref="DeployOptions.RedisCluster"/>),
/// RabbitMQ a cluster of three (<see cref="RabbitMQCluster"/>).</item>
/// <item>Environment values that are expressions (connection strings, secret parameters) go to the application's own
/// Secret with <c>REPLACE-ME</c> placeholders; literal values to the ConfigMap. Each application's broker connection
/// string names its own broker user (<see cref="BrokerUsers"/>).</item>
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

    /// <summary>The port every application listens on in its container (<c>ASPNETCORE_URLS</c>).</summary>
    public const int HttpPort = 8080;

    /// <summary>The port of an application's Service (and so of the Ingress backend).</summary>
    public const int ServicePort = 80;

    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <summary>
    /// How long a pod of an externally reached application waits after it is marked terminating, before it gets SIGTERM:
    /// time for the endpoint controllers and the ingress controller to stop sending it new connections.
    /// </summary>
    public const int PreStopSleepSeconds = 10;

    /// <summary>
    /// The grace period of such a pod: the <c>preStop</c> pause, then ChatApi's shutdown (every WebSocket closed with 1001
    /// after its queue is flushed, a 5 s close deadline, then the host's own stop) with room to spare.
    /// </summary>
    public const int TerminationGracePeriodSeconds = PreStopSleepSeconds + 35;

    /// <summary>The most replicas the autoscaler may run of a replicated application.</summary>
    public const int MaxReplicas = 10;

    public const int TargetCpuUtilization = 70;

    /// <summary>nginx ingress timeouts (seconds) for idle WebSockets: an hour rather than the default minute.</summary>
    public const string WebSocketTimeoutSeconds = "3600";

    public static class Labels
    {
        public const string Name = "app.kubernetes.io/name";
        public const string PartOf = "app.kubernetes.io/part-of";
        public const string Component = "app.kubernetes.io/component";
        public const string ManagedBy = "app.kubernetes.io/managed-by";
    }

    /// <summary>What the generator knows of each project beyond the app model.</summary>
    private sealed record ProjectProfile(string Component, Sizing Sizing, IReadOnlyList<string> OptionalSecrets);

    private sealed record Sizing(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit);

    private static readonly ProjectProfile DefaultProfile = new("app", new("100m", "128Mi", "500m", "256Mi"), []);

    private static readonly Dictionary<string, ProjectProfile> Profiles = new(StringComparer.Ordinal)
    {
        ["chatapi"] = new("chat", new("250m", "256Mi", "1", "512Mi"), []),
        // The AppHost passes the quote provider keys only when it was given them (WithOptionalSecret), so the manifest
        // may or may not name them: they are always offered here, as optional keys of the Secret.
        ["stockbot"] = new("bot", new("50m", "128Mi", "500m", "256Mi"), ["Quotes__AlphaVantage__ApiKey", "Quotes__Stooq__ApiKey"]),
    };

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
                .Select(project => BrokerUsers.For(project.Name))
                .ToList();
    }

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

    // ---- projects ----------------------------------------------------------------------------------------------

    private List<IKubernetesObject> Project(AspireResource project, SortedDictionary<string, string> appSecrets)
    {
        var name = project.Name;
        var profile = Profiles.GetValueOrDefault(name, DefaultProfile with { Component = name });
        var labels = ComponentLabels(name, profile.Component);
        var selector = Selector(name);
        var configMapName = $"{name}-config";

        var http = project.Bindings.FirstOrDefault(binding => binding.Name == "http")
            ?? throw new NotSupportedException($"Project '{name}' has no 'http' endpoint: the probes need one.");
        var external = project.Bindings.Any(binding => binding.External);

        var config = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://+:{HttpPort}"),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = options.OtlpEndpoint,
            ["OTEL_SERVICE_NAME"] = name,
        };
        var secretKeys = new SortedSet<string>(StringComparer.Ordinal);
        var secretName = AppSecretName(name);
        var broker = Broker();

        // Aspire also passes each referenced service as CACHE_HOST, CACHE_PORT, ... and the port as HTTP_PORTS: the
        // applications read only ConnectionStrings__*, and the port is ASPNETCORE_URLS here.
        var referenced = project.Env
            .SelectMany(variable => ManifestExpressions.ReferencedResources(variable.Value))
            .Where(manifest.Contains)
            .Select(reference => manifest[reference])
            .Where(resource => resource.IsContainer)
            .Select(resource => resource.Name.ToUpperInvariant().Replace('-', '_') + "_")
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (key, value) in project.Env)
        {
            if (key == "HTTP_PORTS" || referenced.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)) || profile.OptionalSecrets.Contains(key))
            {
                continue;
            }

            if (broker is not null && key == BrokerConnectionStringKey(broker))
            {
                // Each application connects as its own broker user, whatever the app model's local broker uses.
                AddSecret(appSecrets, key, BrokerConnectionString(broker, BrokerUsers.For(name)), name);
                secretKeys.Add(key);
            }
            else if (value.Contains('{', StringComparison.Ordinal))
            {
                AddSecret(appSecrets, key, expressions.Evaluate(value), name);
                secretKeys.Add(key);
            }
            else
            {
                config[key] = value;
            }
        }

        foreach (var key in profile.OptionalSecrets)
        {
            AddSecret(appSecrets, key, string.Empty, name);
        }

        var env = config.Keys.Select(key => new V1EnvVar
        {
            Name = key,
            ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = configMapName, Key = key } },
        })
        .Concat(secretKeys.Concat(profile.OptionalSecrets).Order(StringComparer.Ordinal).Select(key => new V1EnvVar
        {
            Name = key,
            ValueFrom = new V1EnvVarSource
            {
                SecretKeyRef = new V1SecretKeySelector
                {
                    Name = secretName,
                    Key = key,
                    Optional = profile.OptionalSecrets.Contains(key) ? true : null,
                },
            },
        }))
        .ToList();

        var container = new V1Container
        {
            Name = name,
            Image = Image(name),
            Ports = [new V1ContainerPort { Name = http.Name, ContainerPort = HttpPort, Protocol = "TCP" }],
            Env = env,
            StartupProbe = HttpProbe(AlivePath, http.Name, periodSeconds: 2, failureThreshold: 30),
            ReadinessProbe = HttpProbe(HealthPath, http.Name, periodSeconds: 5, failureThreshold: 2),
            LivenessProbe = HttpProbe(AlivePath, http.Name, periodSeconds: 10, failureThreshold: 3),
            Resources = Resources(profile.Sizing),
            Lifecycle = external
                ? new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = PreStopSleepSeconds } } }
                : null,
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
        };

        var replicated = project.Replicas > 1;
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(name, labels),
            Spec = new V1DeploymentSpec
            {
                Replicas = project.Replicas,
                Selector = new V1LabelSelector { MatchLabels = selector },
                Strategy = replicated
                    ? new V1DeploymentStrategy
                    {
                        Type = "RollingUpdate",
                        RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 1, MaxUnavailable = 0 },
                    }
                    : null,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        TerminationGracePeriodSeconds = external ? TerminationGracePeriodSeconds : null,
                        TopologySpreadConstraints = replicated
                            ?
                            [
                                new V1TopologySpreadConstraint
                                {
                                    MaxSkew = 1,
                                    TopologyKey = "kubernetes.io/hostname",
                                    WhenUnsatisfiable = "ScheduleAnyway",
                                    LabelSelector = new V1LabelSelector { MatchLabels = selector },
                                },
                            ]
                            : null,
                        Containers = [container],
                    },
                },
            },
        };

        var objects = new List<IKubernetesObject>
        {
            new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = Metadata(configMapName, labels),
                Data = config,
            },
            deployment,
        };

        if (external)
        {
            objects.Add(ClientService(name, labels, selector, [new V1ServicePort { Name = http.Name, Port = ServicePort, TargetPort = http.Name, Protocol = "TCP" }]));
            objects.Add(Ingress(name, labels, http.Name));
        }

        if (replicated)
        {
            objects.Add(Autoscaler(name, labels, project.Replicas));
            objects.Add(DisruptionBudget(name, labels, selector));
        }

        return objects;
    }

    private V1Ingress Ingress(string name, IDictionary<string, string> labels, string portName)
    {
        var metadata = Metadata(name, labels);
        // No session affinity: a client that reconnects to any replica resumes with "since".
        metadata.Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["nginx.ingress.kubernetes.io/proxy-read-timeout"] = WebSocketTimeoutSeconds,
            ["nginx.ingress.kubernetes.io/proxy-send-timeout"] = WebSocketTimeoutSeconds,
        };

        return new V1Ingress
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "Ingress",
            Metadata = metadata,
            Spec = new V1IngressSpec
            {
                IngressClassName = options.IngressClass,
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = options.IngressHost,
                        Http = new V1HTTPIngressRuleValue
                        {
                            Paths =
                            [
                                new V1HTTPIngressPath
                                {
                                    Path = "/",
                                    PathType = "Prefix",
                                    Backend = new V1IngressBackend
                                    {
                                        Service = new V1IngressServiceBackend { Name = name, Port = new V1ServiceBackendPort { Name = portName } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        };
    }

    private static V2HorizontalPodAutoscaler Autoscaler(string name, IDictionary<string, string> labels, int replicas) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = Metadata(name, labels),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name },
            MinReplicas = replicas,
            MaxReplicas = Math.Max(replicas, MaxReplicas),
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = TargetCpuUtilization },
                    },
                },
            ],
            // Scaling down closes WebSockets (clients reconnect and resume): slowly, one pod at a time.
            Behavior = new V2HorizontalPodAutoscalerBehavior
            {
                ScaleDown = new V2HPAScalingRules
                {
                    StabilizationWindowSeconds = 300,
                    Policies = [new V2HPAScalingPolicy { Type = "Pods", Value = 1, PeriodSeconds = 120 }],
                },
            },
        },
    };

    private string Image(string name) =>
        $"{(string.IsNullOrEmpty(options.Registry) ? string.Empty : options.Registry.TrimEnd('/') + "/")}chattorum/{name}:{options.Tag}";

    private static V1Probe HttpProbe(string path, string port, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 3,
        FailureThreshold = failureThreshold,
    };

    // ---- backing services --------------------------------------------------------------------------------------

    private List<IKubernetesObject> BackingService(AspireResource resource, SortedDictionary<string, string> serviceSecrets)
    {
        var template = BackingServiceTemplate.For(resource);
        var name = resource.Name;
        var labels = ComponentLabels(name, template.Component);
        var selector = Selector(name);
        var port = ContainerPort(resource);

        var env = BackingServiceEnvironment(resource, serviceSecrets);

        var servicePorts = new List<V1ServicePort>
        {
            new() { Name = template.PortName, Port = port, TargetPort = template.PortName, Protocol = "TCP" },
        };

        var container = new V1Container
        {
            Name = name,
            Image = resource.Image ?? throw new NotSupportedException($"Container '{name}' has no image."),
            Args = template.Args(resource),
            Ports = [new V1ContainerPort { Name = template.PortName, ContainerPort = port, Protocol = "TCP" }],
            Env = env,
            StartupProbe = template.StartupProbe,
            ReadinessProbe = template.ReadinessProbe,
            LivenessProbe = template.LivenessProbe,
            Resources = Resources(template.Sizing),
            VolumeMounts = [new V1VolumeMount { Name = DataVolume, MountPath = template.DataPath }],
        };

        var pod = new V1PodSpec
        {
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            TerminationGracePeriodSeconds = template.TerminationGracePeriodSeconds,
            // The images' own users (uid and gid 999) may write the volume whoever provisioned it.
            SecurityContext = new V1PodSecurityContext { FsGroup = 999 },
            Containers = [container],
        };
        var headless = HeadlessServiceName(resource);

        return
        [
            ClientService(name, labels, selector, servicePorts),
            HeadlessService(headless, labels, selector, servicePorts),
            StatefulSet(name, labels, selector, headless, replicas: 1, parallel: false, pod, template.StorageSize),
        ];
    }

    /// <summary>
    /// A container's environment from the app model: literal values as they are, a secret parameter
    /// (<c>{cache-password.value}</c>) as a key of the services' Secret named after the parameter.
    /// </summary>
    private List<V1EnvVar> BackingServiceEnvironment(AspireResource resource, SortedDictionary<string, string> serviceSecrets)
    {
        var env = new List<V1EnvVar>();
        foreach (var (key, value) in resource.Env)
        {
            if (!value.Contains('{', StringComparison.Ordinal))
            {
                env.Add(new V1EnvVar { Name = key, Value = value });
                continue;
            }

            var references = ManifestExpressions.ReferencedResources(value).Distinct().ToList();
            var secretKey = references is [var parameter] && manifest[parameter].IsParameter && value == $"{{{parameter}.value}}"
                ? parameter
                : throw new NotSupportedException($"Container '{resource.Name}': cannot translate {key}={value}.");
            AddSecret(serviceSecrets, secretKey, expressions.Evaluate(value), resource.Name);
            env.Add(new V1EnvVar
            {
                Name = key,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = ServiceSecretName, Key = secretKey } },
            });
        }

        return env;
    }

    // ---- shared ------------------------------------------------------------------------------------------------

    private static void AddSecret(SortedDictionary<string, string> secrets, string key, string value, string owner)
    {
        if (secrets.TryGetValue(key, out var existing) && existing != value)
        {
            throw new NotSupportedException($"Secret key '{key}' of '{owner}' has two different values: '{existing}' and '{value}'.");
        }

        secrets[key] = value;
    }

    private static V1Secret Secret(string name, SortedDictionary<string, string> values) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = Metadata(name, new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [Labels.ManagedBy] = ManagedBy,
            [Labels.PartOf] = PartOf,
        }),
        Type = "Opaque",
        StringData = values,
    };

    private static V1ResourceRequirements Resources(Sizing sizing) => new()
    {
        Requests = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(sizing.CpuRequest),
            ["memory"] = new(sizing.MemoryRequest),
        },
        Limits = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(sizing.CpuLimit),
            ["memory"] = new(sizing.MemoryLimit),
        },
    };

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

    /// <summary>What Kubernetes needs to know of a backing service's image that the app model does not say.</summary>
    private sealed record BackingServiceTemplate(
        string Component,
        string PortName,
        string DataPath,
        string StorageSize,
        Sizing Sizing,
        int TerminationGracePeriodSeconds,
        Func<AspireResource, IList<string>?> Args,
        V1Probe StartupProbe,
        V1Probe ReadinessProbe,
        V1Probe LivenessProbe)
    {
        public static bool IsRedis(AspireResource resource) => Repository(resource) == "redis";

        public static bool IsRabbitMQ(AspireResource resource) => Repository(resource) == "rabbitmq";

        private static string Repository(AspireResource resource) => (resource.Image ?? string.Empty).Split(':')[0].Split('/')[^1];

        public static BackingServiceTemplate For(AspireResource resource)
        {
            var image = resource.Image ?? string.Empty;
            return Repository(resource) switch
            {
                "redis" => Redis,
                "rabbitmq" => RabbitMQ,
                _ => throw new NotSupportedException(
                    $"Container '{resource.Name}' ({image}): no Kubernetes template for this image in tools/Chattorum.Deploy."),
            };
        }

        /// <summary>
        /// Redis through the image's own entrypoint (it drops root and execs redis-server, so SIGTERM reaches Redis), with
        /// the password of the app model and append-only persistence on the volume: an acked chat message survives a restart.
        /// </summary>
        private static readonly BackingServiceTemplate Redis = new(
            Component: "cache",
            PortName: "redis",
            DataPath: "/data",
            StorageSize: "1Gi",
            Sizing: new("100m", "128Mi", "1", "512Mi"),
            TerminationGracePeriodSeconds: 30,
            Args: resource =>
            {
                if (!resource.Env.Any(variable => variable.Key == "REDIS_PASSWORD"))
                {
                    throw new NotSupportedException($"Container '{resource.Name}': expected REDIS_PASSWORD in the app model.");
                }

                return ["redis-server", "--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data"];
            },
            StartupProbe: new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "redis" }, PeriodSeconds = 2, FailureThreshold = 30 },
            ReadinessProbe: new V1Probe
            {
                Exec = new V1ExecAction { Command = ["sh", "-c", "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG"] },
                PeriodSeconds = 5,
                TimeoutSeconds = 3,
            },
            LivenessProbe: new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "redis" }, PeriodSeconds = 10, FailureThreshold = 3 });

        /// <summary>
        /// A RabbitMQ node (of the cluster, <see cref="RabbitMQCluster"/>) with its data on the volume; the StatefulSet keeps
        /// its host name, and so its node name, stable.
        /// </summary>
        private static readonly BackingServiceTemplate RabbitMQ = new(
            Component: "messaging",
            PortName: "amqp",
            DataPath: "/var/lib/rabbitmq",
            StorageSize: "2Gi",
            Sizing: new("200m", "512Mi", "1", "1Gi"),
            TerminationGracePeriodSeconds: 60,
            Args: _ => null,
            // Up once the node listens for AMQP: a node joining the cluster for the first time waits for node 0, so give it time.
            StartupProbe: new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "amqp" }, PeriodSeconds = 10, FailureThreshold = 60 },
            ReadinessProbe: new V1Probe
            {
                Exec = new V1ExecAction { Command = ["rabbitmq-diagnostics", "-q", "check_port_connectivity"] },
                PeriodSeconds = 10,
                TimeoutSeconds = 10,
            },
            LivenessProbe: new V1Probe
            {
                Exec = new V1ExecAction { Command = ["rabbitmq-diagnostics", "-q", "ping"] },
                PeriodSeconds = 30,
                TimeoutSeconds = 20,
                FailureThreshold = 4,
            });
    }
}
