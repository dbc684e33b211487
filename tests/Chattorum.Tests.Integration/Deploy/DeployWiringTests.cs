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
    public void Committed_manifests_are_wired_together() => AssertWired(Committed());

    [Fact]
    public void External_services_variant_is_wired_together()
    {
        var objects = Generate(new DeployOptions { ExternalServices = true });

        AssertWired(objects);
        Assert.Empty(objects.OfType<V1StatefulSet>());
        Assert.DoesNotContain(objects.OfType<V1Service>(), service => service.Metadata.Name is "cache" or "messaging");
        Assert.Empty(objects.OfType<V1ServiceAccount>());
        Assert.Empty(objects.OfType<V1Role>());
        // Only the applications' Secrets: no passwords, cookie or definitions of services that are not deployed here.
        Assert.Equal(["chatapi-secrets", "stockbot-secrets"], objects.OfType<V1Secret>().Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
        var chat = Named<V1Secret>(objects, KubernetesGenerator.AppSecretName("chatapi")).StringData;
        Assert.StartsWith("REPLACE-ME-cache-host:6379,", chat["ConnectionStrings__cache"], StringComparison.Ordinal);
        // The managed broker is reached as each application's own user, which the operator creates with its rights.
        Assert.StartsWith("amqp://chattorum:", chat["ConnectionStrings__messaging"], StringComparison.Ordinal);
        Assert.Contains("@REPLACE-ME-messaging-host:5672", chat["ConnectionStrings__messaging"], StringComparison.Ordinal);
        var bot = Named<V1Secret>(objects, KubernetesGenerator.AppSecretName("stockbot")).StringData;
        Assert.StartsWith("amqp://stockbot:", bot["ConnectionStrings__messaging"], StringComparison.Ordinal);
        Assert.Contains("@REPLACE-ME-messaging-host:5672", bot["ConnectionStrings__messaging"], StringComparison.Ordinal);
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
        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 8080), (port.Name, port.ContainerPort));
        Assert.Equal(HostingDefaults.HealthEndpointPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HostingDefaults.AlivenessEndpointPath, container.LivenessProbe.HttpGet.Path);
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
            foreach (var key in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "ASPNETCORE_URLS" })
            {
                Assert.Equal(("configMap", $"{app}-config"), (env[key].Source, env[key].Name));
            }

            Assert.Equal(app, config.Data["OTEL_SERVICE_NAME"]);
            Assert.Equal("http://+:8080", config.Data["ASPNETCORE_URLS"]);
            Assert.StartsWith("http", config.Data["OTEL_EXPORTER_OTLP_ENDPOINT"], StringComparison.Ordinal);
            // Nothing of Aspire's local wiring: the applications read only ConnectionStrings__*.
            Assert.DoesNotContain(env.Keys, key => key.StartsWith("CACHE_", StringComparison.Ordinal) || key.StartsWith("MESSAGING_", StringComparison.Ordinal) || key == "HTTP_PORTS");
        }
    }

    [Fact]
    public void Secrets_hold_placeholders_that_agree_with_the_backing_services()
    {
        var objects = Committed();
        var app = Named<V1Secret>(objects, KubernetesGenerator.AppSecretName("chatapi")).StringData;
        var bot = Named<V1Secret>(objects, KubernetesGenerator.AppSecretName("stockbot")).StringData;
        var services = Named<V1Secret>(objects, KubernetesGenerator.ServiceSecretName).StringData;

        // Every value is a placeholder to replace, or empty for the optional quote provider keys; the broker's definitions
        // file has users without passwords (RabbitMQClusterManifestTests).
        Assert.All(app.Concat(bot).Concat(services).Where(entry => entry.Key != "messaging-definitions.json"), entry =>
            Assert.True(entry.Value.Length == 0 || entry.Value.Contains("REPLACE-ME", StringComparison.Ordinal), $"{entry.Key}={entry.Value}"));
        Assert.Equal(string.Empty, bot["Quotes__Stooq__ApiKey"]);
        Assert.Equal(string.Empty, bot["Quotes__AlphaVantage__ApiKey"]);

        // The ChatApi refuses a signing key under 32 bytes: the placeholder must be replaced before it starts.
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(app["Auth__SigningKey"]) < 32);

        // The connection strings name the in-cluster Services, their ports and the password the StatefulSet is given (the
        // broker's: RabbitMQClusterManifestTests).
        var cache = Named<V1Service>(objects, "cache").Spec.Ports.Single().Port;
        Assert.Equal($"cache:{cache},password={services["cache-password"]}", app["ConnectionStrings__cache"]);
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
        AssertWired(objects);
    }

    /// <summary>The Secrets the operator creates (docs/deploy.md) rather than the generated files: their keys.</summary>
    private static readonly Dictionary<string, string[]> OperatorSecrets = new()
    {
        [KubernetesGenerator.DashboardSecretName] =
            [KubernetesGenerator.DashboardBrowserTokenKey, KubernetesGenerator.DashboardOtlpApiKeyKey, KubernetesGenerator.DashboardOidcClientSecretKey],
    };

    /// <summary>Every reference in <paramref name="objects"/> resolves.</summary>
    internal static void AssertWired(IReadOnlyList<IKubernetesObject> objects)
    {
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name, c => c.Data.Keys.ToHashSet());
        var secrets = objects.OfType<V1Secret>().ToDictionary(
            s => s.Metadata.Name,
            s => (s.StringData?.Keys ?? []).Concat(s.Data?.Keys ?? []).ToHashSet());
        foreach (var (name, keys) in OperatorSecrets)
        {
            secrets.Add(name, keys.ToHashSet());
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
                        Assert.True(keys.Contains(secretKey.Key), $"{name}: {env.Name} names key {secretKey.Key} of Secret {secretKey.Name}, which is not there");
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
