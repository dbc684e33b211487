using Chattorum.Deploy;
using k8s;
using k8s.Models;
using HostingDefaults = Microsoft.Extensions.Hosting.Extensions;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The objects fit together: what references what exists, Services find their pods and ports, probes hit paths the
/// applications serve, and the settings the applications read are there. Checked on the committed manifests and on the
/// <c>--external-services</c> variant (the Redis Cluster variant: <see cref="RedisClusterManifestTests"/>).
/// </summary>
[Collection(DeployCollection.Name)]
public class DeployWiringTests(AspireManifestFixture fixture)
{
    private static readonly string[] ServedPaths = [HostingDefaults.HealthEndpointPath, HostingDefaults.AlivenessEndpointPath];

    [Fact]
    public void Committed_manifests_are_wired_together() => AssertWired(Committed(), GeneratedSecrets(fixture.Manifest, new DeployOptions()));

    [Fact]
    public void External_services_variant_is_wired_together()
    {
        var objects = Generate(new DeployOptions { ExternalServices = true });

        Assert.Empty(objects.OfType<V1StatefulSet>());
        Assert.DoesNotContain(objects.OfType<V1Service>(), service => service.Metadata.Name is "cache" or "messaging");
        Assert.Empty(objects.OfType<V1ServiceAccount>());
        Assert.Empty(objects.OfType<V1Role>());
        // The operator creates the applications' Secrets (docs/deploy.md), with these keys and nothing of the services
        // that are not deployed here; wired to the Secrets --secrets would write for the in-cluster services.
        Assert.Equal(
            [
                "chatapi-secrets/Auth__SigningKey",
                "chatapi-secrets/ConnectionStrings__cache",
                "chatapi-secrets/ConnectionStrings__messaging",
                "chattorum-dashboard/browser-token",
                "chattorum-dashboard/otlp-api-key",
                "stockbot-secrets/ConnectionStrings__messaging",
                "stockbot-secrets/Quotes__AlphaVantage__ApiKey (optional)",
                "stockbot-secrets/Quotes__Stooq__ApiKey (optional)",
            ],
            SecretReferences(objects));
        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions()).Where(s => s.Metadata.Name != KubernetesGenerator.ServiceSecretName).ToList());
    }

    [Fact]
    public void ChatApi_runs_the_app_models_replicas_behind_a_Service_Ingress_autoscaler_and_disruption_budget()
    {
        var objects = Committed();
        var deployment = Named<V1Deployment>(objects, "chatapi");
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal(fixture.Manifest["chatapi"].Replicas, deployment.Spec.Replicas);
        Assert.Equal(3, deployment.Spec.Replicas);
        // The release the images are tagged with (ContainerImageTag = $(Version)), never a moving tag.
        Assert.Equal($"chattorum/chatapi:{ImageReferenceTests.DirectoryBuildVersion()}", container.Image);
        Assert.Equal([("http", 8080), ("management", 8081)], container.Ports.Select(p => (p.Name, p.ContainerPort)));
        Assert.Equal(HostingDefaults.HealthEndpointPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HostingDefaults.AlivenessEndpointPath, container.LivenessProbe.HttpGet.Path);
        // The probes on the management port, which the Service (and so the Ingress) does not expose.
        Assert.All(new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }, probe => Assert.Equal("management", probe.HttpGet.Port.Value));
        Assert.Equal(["http"], Named<V1Service>(objects, "chatapi").Spec.Ports.Select(p => p.TargetPort.Value));
        Assert.NotNull(container.Resources.Requests["cpu"]);
        Assert.NotNull(container.Resources.Requests["memory"]);
        Assert.NotNull(container.Resources.Limits["cpu"]);
        Assert.NotNull(container.Resources.Limits["memory"]);

        // Out of the endpoints before SIGTERM, then time to close every WebSocket with 1001 (5 s close deadline).
        var preStop = container.Lifecycle.PreStop.Sleep.Seconds;
        Assert.True(preStop >= 5, $"preStop sleeps {preStop} s");
        Assert.True(pod.TerminationGracePeriodSeconds >= preStop + 5 + 10, $"grace period {pod.TerminationGracePeriodSeconds} s");

        var ingress = Named<V1Ingress>(objects, "chatapi");
        Assert.Equal("3600", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]);
        Assert.Equal("3600", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]);
        Assert.DoesNotContain(ingress.Metadata.Annotations.Keys, key => key.Contains("affinity", StringComparison.Ordinal));
        Assert.NotEqual("ClientIP", Named<V1Service>(objects, "chatapi").Spec.SessionAffinity);

        var hpa = Named<V2HorizontalPodAutoscaler>(objects, "chatapi");
        Assert.Equal(("apps/v1", "Deployment", "chatapi"), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Equal(deployment.Spec.Replicas, hpa.Spec.MinReplicas);
        Assert.True(hpa.Spec.MaxReplicas > hpa.Spec.MinReplicas);
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal(("Resource", "cpu"), (metric.Type, metric.Resource.Name));

        var pdb = Named<V1PodDisruptionBudget>(objects, "chatapi");
        Assert.True(Selects(pdb.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels));
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
    }

    [Fact]
    public void Applications_get_every_setting_they_read()
    {
        var objects = Committed();
        var chat = Environment(objects, "chatapi");
        var bot = Environment(objects, "stockbot");

        // Each application reads its own Secret: the bot cannot mount the chat's signing key, nor the chat the bot's broker user.
        foreach (var key in new[] { "ConnectionStrings__cache", "ConnectionStrings__messaging", "Auth__SigningKey" })
        {
            Assert.Equal(("secret", "chatapi-secrets"), (chat[key].Source, chat[key].Name));
        }

        foreach (var key in new[] { "ConnectionStrings__messaging", "Quotes__Stooq__ApiKey", "Quotes__AlphaVantage__ApiKey" })
        {
            Assert.Equal(("secret", "stockbot-secrets"), (bot[key].Source, bot[key].Name));
        }

        Assert.DoesNotContain("ConnectionStrings__cache", bot.Keys);
        Assert.DoesNotContain("Auth__SigningKey", bot.Keys);

        foreach (var (app, env) in new[] { ("chatapi", chat), ("stockbot", bot) })
        {
            var config = Named<V1ConfigMap>(objects, $"{app}-config");
            foreach (var key in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "ASPNETCORE_HTTP_PORTS", "Health__Port" })
            {
                Assert.Equal(("configMap", $"{app}-config"), (env[key].Source, env[key].Name));
            }

            Assert.Equal(app, config.Data["OTEL_SERVICE_NAME"]);
            // Kestrel listens on the clients' port and the probes' port; the ServiceDefaults keep the probes on the second.
            var container = Named<V1Deployment>(objects, app).Spec.Template.Spec.Containers.Single();
            var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal($"{ports["http"]};{ports["management"]}", config.Data["ASPNETCORE_HTTP_PORTS"]);
            Assert.Equal(KubernetesGenerator.ManagementPortSetting, Microsoft.Extensions.Hosting.ManagementPort.ConfigurationKey.Replace(":", "__", StringComparison.Ordinal));
            Assert.Equal(ports["management"], config.Data["Health__Port"]);
            Assert.DoesNotContain("ASPNETCORE_URLS", env.Keys);
            Assert.StartsWith("http", config.Data["OTEL_EXPORTER_OTLP_ENDPOINT"], StringComparison.Ordinal);
            // Nothing of Aspire's local wiring: the applications read only ConnectionStrings__*.
            Assert.DoesNotContain(env.Keys, key => key.StartsWith("CACHE_", StringComparison.Ordinal) || key.StartsWith("MESSAGING_", StringComparison.Ordinal) || key == "HTTP_PORTS");
        }
    }

    [Fact]
    public void The_manifests_carry_no_Secret_and_no_secret_value()
    {
        foreach (var folder in new[] { AspireManifestFixture.CommittedFolder, AspireManifestFixture.CommittedRedisClusterFolder })
        {
            // A Secret applied as generated would give its placeholder values to the workloads (a Redis password anyone knows).
            Assert.False(File.Exists(Path.Combine(folder, KubernetesGenerator.SecretsFileName)), $"{folder} has a {KubernetesGenerator.SecretsFileName}");
            Assert.Empty(KubernetesManifestTests.CommittedObjects(folder).Select(o => o.Object).OfType<V1Secret>());
            Assert.All(Directory.GetFiles(folder), file => Assert.DoesNotContain("withheld-", File.ReadAllText(file), StringComparison.Ordinal));
        }

        Assert.Empty(Generate(new DeployOptions { ExternalServices = true }).OfType<V1Secret>());
    }

    [Fact]
    public void Generated_secrets_are_new_every_time_and_agree_with_the_backing_services()
    {
        var first = GeneratedSecrets(fixture.Manifest, new DeployOptions());
        var second = GeneratedSecrets(fixture.Manifest, new DeployOptions());
        var app = Named<V1Secret>(first, KubernetesGenerator.AppSecretName("chatapi")).StringData;
        var bot = Named<V1Secret>(first, KubernetesGenerator.AppSecretName("stockbot")).StringData;
        var services = Named<V1Secret>(first, KubernetesGenerator.ServiceSecretName).StringData;

        // Random values of 256 bits (64 hex digits), none shared, none the same on the next run.
        var values = new[] { app["Auth__SigningKey"], services["cache-password"], services["messaging-erlang-cookie"] };
        Assert.All(values, value => Assert.Matches("^[0-9a-f]{64,}$", value));
        Assert.Equal(values.Length, values.Distinct(StringComparer.Ordinal).Count());
        Assert.NotEqual(app["Auth__SigningKey"], Named<V1Secret>(second, KubernetesGenerator.AppSecretName("chatapi")).StringData["Auth__SigningKey"]);
        Assert.NotEqual(services["cache-password"], Named<V1Secret>(second, KubernetesGenerator.ServiceSecretName).StringData["cache-password"]);

        // The app model's signing key is of 48 characters at least; ChatApi wants 32 bytes.
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(app["Auth__SigningKey"]) >= 48);

        // The cache connection string names the in-cluster Service, its port and the password the StatefulSet is given
        // (the broker's: RabbitMQClusterManifestTests).
        var cache = Named<V1Service>(Committed(), "cache").Spec.Ports.Single().Port;
        Assert.Equal($"cache:{cache},password={services["cache-password"]}", app["ConnectionStrings__cache"]);

        // The optional quote provider keys are the operator's to add.
        Assert.DoesNotContain("Quotes__Stooq__ApiKey", bot.Keys);
        Assert.DoesNotContain(app.Concat(bot).Concat(services), entry => entry.Value.Contains("withheld", StringComparison.Ordinal));
    }

    [Fact]
    public void Redis_and_RabbitMQ_keep_their_data_on_volume_claims()
    {
        var objects = Committed();
        foreach (var (name, dataPath) in new[] { ("cache", "/data"), ("messaging", "/var/lib/rabbitmq") })
        {
            var statefulSet = Named<V1StatefulSet>(objects, name);
            var claim = Assert.Single(statefulSet.Spec.VolumeClaimTemplates);
            Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
            Assert.NotNull(claim.Spec.Resources.Requests["storage"]);
            var mount = Assert.Single(statefulSet.Spec.Template.Spec.Containers.Single().VolumeMounts, m => m.Name == claim.Metadata.Name);
            Assert.Equal(dataPath, mount.MountPath);

            var headless = Named<V1Service>(objects, statefulSet.Spec.ServiceName);
            Assert.Equal("None", headless.Spec.ClusterIP);
            Assert.Equal("ClusterIP", Named<V1Service>(objects, name).Spec.Type);
        }

        var redis = Named<V1StatefulSet>(objects, "cache").Spec.Template.Spec.Containers.Single();
        var args = string.Join(' ', redis.Args);
        Assert.Contains("--appendonly yes", args, StringComparison.Ordinal);
        Assert.Contains("--requirepass $(REDIS_PASSWORD)", args, StringComparison.Ordinal);
        Assert.Single(redis.VolumeMounts);
        Assert.Contains(redis.Env, e => e.Name == "REDIS_PASSWORD");
    }

    [Fact]
    public void Images_tag_and_ingress_host_follow_the_options()
    {
        var objects = Generate(new DeployOptions { ImageRegistry = "registry.example.com/team", Tag = "1.2.3", IngressHost = "chat.example.com" });

        Assert.Equal("registry.example.com/team/chattorum/chatapi:1.2.3", Named<V1Deployment>(objects, "chatapi").Spec.Template.Spec.Containers.Single().Image);
        Assert.Equal("registry.example.com/team/chattorum/stockbot:1.2.3", Named<V1Deployment>(objects, "stockbot").Spec.Template.Spec.Containers.Single().Image);
        Assert.Equal("chat.example.com", Named<V1Ingress>(objects, "chatapi").Spec.Rules.Single().Host);
        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions()));
    }

    /// <summary>The Secrets <c>--secrets</c> writes for <paramref name="options"/>, parsed.</summary>
    internal static List<V1Secret> GeneratedSecrets(AspireManifest manifest, DeployOptions options) =>
        KubernetesManifestTests.Parse(new KubernetesGenerator(manifest, options, SecretValues.Random()).GenerateSecrets().Content).Cast<V1Secret>().ToList();

    /// <summary>Every Secret key the workloads of <paramref name="objects"/> read, as <c>SECRET/KEY</c>, in order.</summary>
    internal static List<string> SecretReferences(IReadOnlyList<IKubernetesObject> objects) =>
        objects.OfType<V1Deployment>().Select(d => d.Spec.Template)
            .Concat(objects.OfType<V1StatefulSet>().Select(s => s.Spec.Template))
            .Concat(objects.OfType<V1Job>().Select(j => j.Spec.Template))
            .SelectMany(template => template.Spec.Containers.Concat(template.Spec.InitContainers ?? []).SelectMany(c => c.Env ?? [])
                .Where(env => env.ValueFrom?.SecretKeyRef is not null)
                .Select(env => $"{env.ValueFrom.SecretKeyRef.Name}/{env.ValueFrom.SecretKeyRef.Key}{(env.ValueFrom.SecretKeyRef.Optional == true ? " (optional)" : string.Empty)}")
                .Concat((template.Spec.Volumes ?? []).Where(v => v.Secret is not null)
                    .SelectMany(v => v.Secret.Items.Select(item => $"{v.Secret.SecretName}/{item.Key}"))))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The keys the operator adds to a generated Secret (docs/deploy.md): the dashboard's OpenID Connect client secret.</summary>
    private static readonly Dictionary<string, string[]> OperatorSecretKeys = new()
    {
        [KubernetesGenerator.DashboardSecretName] = [KubernetesGenerator.DashboardOidcClientSecretKey],
    };

    /// <summary>
    /// Every reference in <paramref name="objects"/> resolves, the Secrets' among <paramref name="secretObjects"/>: the
    /// manifests carry none, the operator creates them (with <c>--secrets</c>, or by hand for managed services).
    /// </summary>
    internal static void AssertWired(IReadOnlyList<IKubernetesObject> objects, IReadOnlyList<V1Secret> secretObjects)
    {
        Assert.Empty(objects.OfType<V1Secret>());
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name, c => c.Data.Keys.ToHashSet());
        var secrets = secretObjects.ToDictionary(
            s => s.Metadata.Name,
            s => (s.StringData?.Keys ?? []).Concat(s.Data?.Keys ?? []).ToHashSet());
        foreach (var (name, keys) in OperatorSecretKeys)
        {
            if (secrets.TryGetValue(name, out var generated))
            {
                generated.UnionWith(keys);
            }
        }

        var workloads = Workloads(objects);
        Assert.NotEmpty(workloads);

        foreach (var (name, selector, template, _, runsToCompletion) in workloads)
        {
            Assert.True(Selects(selector, template.Metadata.Labels), $"{name}: the selector does not match its pod template's labels");
            Assert.Equal("chattorum", template.Metadata.Labels["app.kubernetes.io/part-of"]);
            Assert.Equal(name, template.Metadata.Labels["app.kubernetes.io/name"]);

            var initContainers = template.Spec.InitContainers ?? [];
            foreach (var container in template.Spec.Containers.Concat(initContainers))
            {
                var runs = runsToCompletion || initContainers.Contains(container);
                Assert.Null(container.EnvFrom);
                foreach (var env in container.Env ?? [])
                {
                    if (env.ValueFrom?.ConfigMapKeyRef is { } configMapKey)
                    {
                        Assert.True(configMaps.TryGetValue(configMapKey.Name, out var keys), $"{name}: {env.Name} names ConfigMap {configMapKey.Name}, which is not there");
                        Assert.True(keys.Contains(configMapKey.Key), $"{name}: {env.Name} names key {configMapKey.Key} of ConfigMap {configMapKey.Name}, which is not there");
                    }
                    else if (env.ValueFrom?.SecretKeyRef is { } secretKey)
                    {
                        Assert.True(secrets.TryGetValue(secretKey.Name, out var keys), $"{name}: {env.Name} names Secret {secretKey.Name}, which is not there");
                        // An optional key (a quote provider's) may be missing: the application then runs without it.
                        Assert.True(secretKey.Optional == true || keys.Contains(secretKey.Key), $"{name}: {env.Name} names key {secretKey.Key} of Secret {secretKey.Name}, which is not there");
                    }
                    else if (env.ValueFrom?.FieldRef is { } field)
                    {
                        // The downward API: only fields every pod has.
                        Assert.Contains(field.FieldPath, new[] { "metadata.name", "metadata.namespace", "status.podIP" });
                    }
                    else
                    {
                        Assert.True(env.Value is not null, $"{name}: {env.Name} has no value");
                    }
                }

                var ports = container.Ports?.Select(p => p.Name).ToHashSet() ?? [];
                // A Job's container (or an init container) runs to its end: nothing to probe.
                foreach (var probe in runs ? [] : new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe })
                {
                    Assert.NotNull(probe);
                    if (probe.HttpGet is { } get)
                    {
                        Assert.Contains(get.Path, ServedPaths);
                        Assert.Contains(get.Port.Value, ports);
                    }
                    else if (probe.TcpSocket is { } tcp)
                    {
                        Assert.Contains(tcp.Port.Value, ports);
                    }
                }

                if (template.Spec.Containers.Count == 1 && ports.Contains("http"))
                {
                    Assert.Equal(HostingDefaults.HealthEndpointPath, container.ReadinessProbe.HttpGet.Path);
                    Assert.Equal(HostingDefaults.AlivenessEndpointPath, container.LivenessProbe.HttpGet.Path);
                }

                var volumes = (template.Spec.Volumes?.Select(v => v.Name) ?? [])
                    .Concat(workloads.Single(w => w.Name == name).ClaimNames)
                    .ToHashSet();
                Assert.All(container.VolumeMounts ?? [], mount => Assert.Contains(mount.Name, volumes));
            }

            foreach (var volume in template.Spec.Volumes ?? [])
            {
                if (volume.ConfigMap is { } configMapVolume)
                {
                    Assert.True(configMaps.TryGetValue(configMapVolume.Name, out var keys), $"{name}: volume {volume.Name} names ConfigMap {configMapVolume.Name}, which is not there");
                    Assert.All(configMapVolume.Items ?? [], item => Assert.True(keys.Contains(item.Key), $"{name}: volume {volume.Name} names key {item.Key} of ConfigMap {configMapVolume.Name}, which is not there"));
                }
                else if (volume.Secret is { } secretVolume)
                {
                    Assert.True(secrets.TryGetValue(secretVolume.SecretName, out var keys), $"{name}: volume {volume.Name} names Secret {secretVolume.SecretName}, which is not there");
                    Assert.All(secretVolume.Items ?? [], item => Assert.True(keys.Contains(item.Key), $"{name}: volume {volume.Name} names key {item.Key} of Secret {secretVolume.SecretName}, which is not there"));
                }
            }

            if (template.Spec.ServiceAccountName is { } account)
            {
                Assert.Contains(objects.OfType<V1ServiceAccount>(), a => a.Metadata.Name == account);
            }
        }

        foreach (var binding in objects.OfType<V1RoleBinding>())
        {
            Assert.Contains(objects.OfType<V1Role>(), role => role.Metadata.Name == binding.RoleRef.Name && binding.RoleRef.Kind == "Role");
            Assert.All(binding.Subjects, subject => Assert.Contains(objects.OfType<V1ServiceAccount>(), a => subject.Kind == "ServiceAccount" && a.Metadata.Name == subject.Name));
        }

        var services = objects.OfType<V1Service>().ToDictionary(s => s.Metadata.Name);
        foreach (var service in services.Values)
        {
            // The probes' own port stays inside the pod's network: no Service (and so no Ingress) carries it.
            Assert.DoesNotContain(service.Spec.Ports, p => p.TargetPort.Value == KubernetesGenerator.ManagementPortName);
            var targets = workloads.Where(w => Selects(service.Spec.Selector, w.Template.Metadata.Labels)).ToList();
            Assert.True(targets.Count == 1, $"Service {service.Metadata.Name} selects {targets.Count} workloads");
            var containerPorts = targets[0].Template.Spec.Containers.SelectMany(c => c.Ports).ToList();
            foreach (var port in service.Spec.Ports)
            {
                Assert.Contains(containerPorts, p => p.Name == port.TargetPort.Value || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port.TargetPort.Value);
            }
        }

        foreach (var statefulSet in objects.OfType<V1StatefulSet>())
        {
            Assert.True(services.ContainsKey(statefulSet.Spec.ServiceName), $"StatefulSet {statefulSet.Metadata.Name}: no Service {statefulSet.Spec.ServiceName}");
        }

        foreach (var ingress in objects.OfType<V1Ingress>())
        {
            foreach (var backend in ingress.Spec.Rules.SelectMany(r => r.Http.Paths).Select(p => p.Backend.Service))
            {
                Assert.True(services.TryGetValue(backend.Name, out var service), $"Ingress {ingress.Metadata.Name}: no Service {backend.Name}");
                Assert.Contains(service.Spec.Ports, p => p.Name == backend.Port.Name || p.Port == backend.Port.Number);
            }
        }

        var deployments = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        foreach (var hpa in objects.OfType<V2HorizontalPodAutoscaler>())
        {
            Assert.Equal("Deployment", hpa.Spec.ScaleTargetRef.Kind);
            Assert.True(deployments.TryGetValue(hpa.Spec.ScaleTargetRef.Name, out var target), $"HPA {hpa.Metadata.Name}: no Deployment {hpa.Spec.ScaleTargetRef.Name}");
            Assert.All(target.Spec.Template.Spec.Containers, c => Assert.NotNull(c.Resources?.Requests?["cpu"]));
        }

        foreach (var pdb in objects.OfType<V1PodDisruptionBudget>())
        {
            Assert.Single(workloads, w => Selects(pdb.Spec.Selector.MatchLabels, w.Template.Metadata.Labels));
        }
    }

    /// <summary>Deployments, StatefulSets and Jobs (whose selector Kubernetes generates: their pod labels stand in).</summary>
    private static List<(string Name, IDictionary<string, string> Selector, V1PodTemplateSpec Template, IReadOnlyList<string> ClaimNames, bool RunsToCompletion)> Workloads(IReadOnlyList<IKubernetesObject> objects) =>
        objects.OfType<V1Deployment>()
            .Select(d => (d.Metadata.Name, d.Spec.Selector.MatchLabels, d.Spec.Template, (IReadOnlyList<string>)[], false))
            .Concat(objects.OfType<V1StatefulSet>()
                .Select(s => (s.Metadata.Name, s.Spec.Selector.MatchLabels, s.Spec.Template, (IReadOnlyList<string>)(s.Spec.VolumeClaimTemplates?.Select(c => c.Metadata.Name).ToList() ?? []), false)))
            .Concat(objects.OfType<V1Job>()
                .Select(j => (j.Metadata.Name, j.Spec.Template.Metadata.Labels, j.Spec.Template, (IReadOnlyList<string>)[], true)))
            .ToList();

    internal static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static Dictionary<string, (string Source, string? Name)> Environment(IReadOnlyList<IKubernetesObject> objects, string deployment) =>
        Named<V1Deployment>(objects, deployment).Spec.Template.Spec.Containers.Single().Env.ToDictionary(
            env => env.Name,
            env => env.ValueFrom?.SecretKeyRef is { } secret ? ("secret", secret.Name)
                : env.ValueFrom?.ConfigMapKeyRef is { } config ? ("configMap", config.Name)
                : ("value", (string?)null));

    internal static T Named<T>(IReadOnlyList<IKubernetesObject> objects, string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(objects.OfType<T>(), o => o.Metadata.Name == name);

    private static List<IKubernetesObject> Committed() => KubernetesManifestTests.CommittedObjects().Select(o => o.Object).ToList();

    private List<IKubernetesObject> Generate(DeployOptions options) =>
        new KubernetesGenerator(fixture.Manifest, options).Generate()
            .SelectMany(file => KubernetesManifestTests.Parse(file.Content))
            .ToList();
}
