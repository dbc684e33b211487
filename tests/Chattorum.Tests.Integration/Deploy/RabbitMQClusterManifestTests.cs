using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chattorum.Deploy;
using Chattorum.Messaging;
using Chattorum.StockBot;
using k8s;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The committed RabbitMQ cluster (deploy/k8s/messaging.yaml, the same in deploy/k8s-redis-cluster/): three nodes that
/// find each other through the Kubernetes peer discovery plugin, quorum queues by default, one broker user per
/// application with the rights <see cref="BrokerAccess"/> gives it, and each application connecting as its own user.
/// Strict parsing and the OpenAPI schemas: <see cref="KubernetesManifestTests"/>.
/// </summary>
[Collection(DeployCollection.Name)]
public class RabbitMQClusterManifestTests(AspireManifestFixture fixture)
{
    private const string Broker = "messaging";

    public static TheoryData<string> CommittedFolders => new() { "k8s", "k8s-redis-cluster" };

    [Theory]
    [MemberData(nameof(CommittedFolders))]
    public void Three_nodes_start_together_spread_over_machines_and_leave_one_at_a_time(string folder)
    {
        var objects = Committed(folder);
        var statefulSet = Named<V1StatefulSet>(objects, Broker);
        var pod = statefulSet.Spec.Template.Spec;
        var selector = statefulSet.Spec.Selector.MatchLabels;

        Assert.Equal(3, statefulSet.Spec.Replicas);
        // In parallel: on first boot nodes 1 and 2 wait for node 0, and after a full stop each waits for the others.
        Assert.Equal("Parallel", statefulSet.Spec.PodManagementPolicy);
        Assert.Equal(KubernetesGenerator.RabbitMQImage, Assert.Single(pod.Containers).Image);

        var pdb = Named<V1PodDisruptionBudget>(objects, Broker);
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
        Assert.True(Selects(pdb.Spec.Selector.MatchLabels, statefulSet.Spec.Template.Metadata.Labels));

        var antiAffinity = Assert.Single(pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", antiAffinity.PodAffinityTerm.TopologyKey);
        Assert.Equal(selector, antiAffinity.PodAffinityTerm.LabelSelector.MatchLabels);

        // Ready = accepts AMQP on this node; a probe that waited for the whole cluster would deadlock its formation.
        var node = pod.Containers.Single();
        Assert.Equal(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], node.ReadinessProbe.Exec.Command);
        Assert.NotNull(node.LivenessProbe.Exec);
        Assert.NotNull(node.Resources.Requests["memory"]);
        Assert.NotNull(node.Resources.Limits["memory"]);

        // A stopping node first waits until its quorum queues keep a majority without it, within the grace period.
        var wait = node.Lifecycle.PreStop.Exec.Command;
        Assert.Equal(["rabbitmq-upgrade", "await_online_quorum_plus_one"], wait.Take(2));
        Assert.True(pod.TerminationGracePeriodSeconds > int.Parse(wait[^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(CommittedFolders))]
    public void Peer_discovery_config_plugin_and_RBAC_agree_with_the_headless_Service(string folder)
    {
        var objects = Committed(folder);
        var statefulSet = Named<V1StatefulSet>(objects, Broker);
        var pod = statefulSet.Spec.Template.Spec;
        var node = pod.Containers.Single();
        var env = node.Env.ToDictionary(e => e.Name);
        var config = RabbitMQConfig(objects);

        // The plugin is enabled in the file the node reads, before its first boot.
        var plugins = PluginsFile(objects, pod, node, env);
        Assert.Contains(KubernetesGenerator.PeerDiscoveryPlugin, plugins, StringComparison.Ordinal);

        Assert.Equal("rabbit_peer_discovery_k8s", config["cluster_formation.peer_discovery_backend"]);
        Assert.Equal("kubernetes.default.svc.cluster.local", config["cluster_formation.k8s.host"]);
        Assert.Equal("hostname", config["cluster_formation.k8s.address_type"]);
        Assert.Equal("pause_minority", config["cluster_partition_handling"]);
        Assert.Equal("quorum", config["default_queue_type"]);
        Assert.Equal("balanced", config["queue_leader_locator"]);

        // Node names are the pods' DNS names under the headless Service, in the pod's namespace.
        var headless = Named<V1Service>(objects, statefulSet.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        Assert.Equal(headless.Metadata.Name, env["K8S_SERVICE_NAME"].Value);
        Assert.Equal($".{headless.Metadata.Name}.$(POD_NAMESPACE).svc.cluster.local", env["K8S_HOSTNAME_SUFFIX"].Value);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("rabbit@$(POD_NAME)$(K8S_HOSTNAME_SUFFIX)", env["RABBITMQ_NODENAME"].Value);
        Assert.Equal("true", env["RABBITMQ_USE_LONGNAME"].Value);
        // Kubernetes expands $(VAR) only from variables defined earlier in the list.
        var order = node.Env.Select(e => e.Name).ToList();
        Assert.True(order.IndexOf("POD_NAMESPACE") < order.IndexOf("K8S_HOSTNAME_SUFFIX") && order.IndexOf("K8S_HOSTNAME_SUFFIX") < order.IndexOf("RABBITMQ_NODENAME"));
        // The nodes reach each other through the headless Service: Erlang's port mapper and the distribution port.
        var amqp = node.Ports.Single(p => p.Name == "amqp").ContainerPort;
        Assert.Equal([amqp, 4369, amqp + 20000], headless.Spec.Ports.Select(p => p.Port));

        // The pod's service account may read the endpoints (RabbitMQ before 4.1 lists them through the API).
        Assert.True(pod.AutomountServiceAccountToken);
        var binding = Assert.Single(objects.OfType<V1RoleBinding>());
        Assert.Equal(("ServiceAccount", pod.ServiceAccountName), (binding.Subjects.Single().Kind, binding.Subjects.Single().Name));
        var role = Named<V1Role>(objects, binding.RoleRef.Name);
        var rule = Assert.Single(role.Rules);
        Assert.Equal([string.Empty], rule.ApiGroups);
        Assert.Equal(["endpoints"], rule.Resources);
        Assert.Equal(["get"], rule.Verbs);
    }

    [Theory]
    [MemberData(nameof(CommittedFolders))]
    public void The_definitions_Secret_creates_one_user_per_application_with_BrokerAccess_rights_and_the_password_of_its_connection_string(string folder)
    {
        var objects = Committed(folder);
        var secrets = GeneratedSecrets(fixture.Manifest, new DeployOptions { RedisCluster = folder == "k8s-redis-cluster" });
        var pod = Named<V1StatefulSet>(objects, Broker).Spec.Template.Spec;
        var node = pod.Containers.Single();

        // load_definitions names the file the definitions volume puts the Secret's key at.
        var path = RabbitMQConfig(objects)["load_definitions"];
        var (volume, file) = MountedFile(pod, node, path);
        var item = Assert.Single(volume.Secret.Items, i => i.Path == file);
        var definitions = JsonDocument.Parse(Named<V1Secret>(secrets, volume.Secret.SecretName).StringData[item.Key]).RootElement;

        var expected = new Dictionary<string, BrokerPermissions>
        {
            [BrokerAccess.ChatUser] = BrokerAccess.ChatNodes,
            [BrokerAccess.BotUser(StockCommandConsumer.Command)] = BrokerAccess.Bot(StockCommandConsumer.Command),
        };
        var users = definitions.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), users.Select(u => u.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        // Each user's salted hash is of the password in its application's connection string (RabbitMQ's
        // rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password)), a 4-byte salt).
        var passwords = new[] { "chatapi", "stockbot" }
            .Select(app => new Uri(Named<V1Secret>(secrets, KubernetesGenerator.AppSecretName(app)).StringData["ConnectionStrings__messaging"]).UserInfo.Split(':'))
            .ToDictionary(user => user[0], user => user[1]);
        Assert.All(users, u =>
        {
            var hash = Convert.FromBase64String(u.GetProperty("password_hash").GetString()!);
            Assert.Equal(hash[4..], SHA256.HashData([.. hash[..4], .. Encoding.UTF8.GetBytes(passwords[u.GetProperty("name").GetString()!])]));
        });
        Assert.All(users, u => Assert.Empty(u.GetProperty("tags").EnumerateArray()));
        var permissions = definitions.GetProperty("permissions").EnumerateArray().ToDictionary(
            p => p.GetProperty("user").GetString()!,
            p => new BrokerPermissions(p.GetProperty("configure").GetString()!, p.GetProperty("write").GetString()!, p.GetProperty("read").GetString()!));
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), permissions.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.All(definitions.GetProperty("permissions").EnumerateArray(), p => Assert.Equal("/", p.GetProperty("vhost").GetString()));

        // Everything else (virtual host, the queues' redelivery policy) is what BrokerDefinitions writes.
        var written = JsonNode.Parse(BrokerDefinitions.Create(expected.Select(e => new BrokerUser(e.Key, "any", e.Value))))!.AsObject();
        var committed = JsonNode.Parse(definitions.GetRawText())!.AsObject();
        Assert.Equal(written.Select(p => p.Key), committed.Select(p => p.Key));
        Assert.All(written.Where(p => p.Key != "users"), p => Assert.True(JsonNode.DeepEquals(p.Value, committed[p.Key]), p.Key));
    }

    [Theory]
    [MemberData(nameof(CommittedFolders))]
    public void Each_application_connects_to_the_client_Service_as_its_own_user(string folder)
    {
        var objects = Committed(folder);
        var secrets = GeneratedSecrets(fixture.Manifest, new DeployOptions { RedisCluster = folder == "k8s-redis-cluster" });
        var service = Named<V1Service>(objects, Broker);
        var uris = new Dictionary<string, Uri>();
        foreach (var (app, user) in new[] { ("chatapi", BrokerAccess.ChatUser), ("stockbot", BrokerAccess.BotUser(StockCommandConsumer.Command)) })
        {
            var reference = Named<V1Deployment>(objects, app).Spec.Template.Spec.Containers.Single().Env
                .Single(e => e.Name == "ConnectionStrings__messaging").ValueFrom.SecretKeyRef;
            Assert.Equal(KubernetesGenerator.AppSecretName(app), reference.Name);
            var uri = new Uri(Named<V1Secret>(secrets, reference.Name).StringData[reference.Key]);
            Assert.Equal(("amqp", service.Metadata.Name, service.Spec.Ports.Single().Port), (uri.Scheme, uri.Host, uri.Port));
            Assert.Equal(user, uri.UserInfo.Split(':')[0]);
            Assert.Matches("^[0-9a-f]{64}$", uri.UserInfo.Split(':')[1]);
            uris[app] = uri;
        }

        Assert.NotEqual(uris["chatapi"].UserInfo, uris["stockbot"].UserInfo);
        // The client Service carries AMQP only, to ready nodes; the cluster's own traffic stays on the headless one.
        Assert.Equal(["amqp"], service.Spec.Ports.Select(p => p.Name));
    }

    [Fact]
    public void Two_StockBot_replicas_consume_as_competing_consumers_one_at_a_time_disrupted()
    {
        var objects = Committed("k8s");
        var bot = Named<V1Deployment>(objects, "stockbot");

        Assert.Equal(2, fixture.Manifest["stockbot"].Replicas);
        Assert.Equal(2, bot.Spec.Replicas);
        // A rollout adds a replica before it removes one: the bot's queue never loses its last consumer.
        Assert.Equal("0", bot.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        var pdb = Named<V1PodDisruptionBudget>(objects, "stockbot");
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
        Assert.True(Selects(pdb.Spec.Selector.MatchLabels, bot.Spec.Template.Metadata.Labels));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // sh, and Unix file modes
    public async Task The_cookie_installer_refuses_an_empty_or_placeholder_cookie_and_leaves_a_cookie_only_its_owner_can_read()
    {
        var objects = Committed("k8s");
        var pod = Named<V1StatefulSet>(objects, Broker).Spec.Template.Spec;
        var installer = Assert.Single(pod.InitContainers);
        var secretMount = installer.VolumeMounts.Single(m => pod.Volumes.Any(v => v.Name == m.Name && v.Secret is not null));
        var homeMount = installer.VolumeMounts.Single(m => m.Name == "data");
        Assert.Equal(homeMount.MountPath, pod.Containers.Single().VolumeMounts.Single(m => m.Name == "data").MountPath);
        var cookieFile = pod.Volumes.Single(v => v.Name == secretMount.Name).Secret.Items.Single().Path;
        Assert.Equal(KubernetesGenerator.ErlangCookieKey(fixture.Manifest[Broker]), pod.Volumes.Single(v => v.Name == secretMount.Name).Secret.Items.Single().Key);

        // The script as committed, with the pod's two folders moved to temporary ones.
        var secretFolder = fixture.NewFolder("cookie-secret");
        var home = fixture.NewFolder("cookie-home");
        var script = installer.Command[^1].Replace(secretMount.MountPath, secretFolder, StringComparison.Ordinal).Replace(homeMount.MountPath, home, StringComparison.Ordinal);
        var installed = Path.Combine(home, ".erlang.cookie");

        // The placeholder secrets.yaml held before 0.17 (still applied in a namespace that was never cleaned up), and nothing.
        foreach (var refused in new[] { $"{KubernetesGenerator.PlaceholderPrefix}-messaging-erlang-cookie", string.Empty })
        {
            await File.WriteAllTextAsync(Path.Combine(secretFolder, cookieFile), refused);
            var (refusedCode, refusedOutput) = await RunShAsync(script);
            Assert.Equal(1, refusedCode);
            Assert.Contains("messaging-erlang-cookie in Secret chattorum-service-secrets is empty or a placeholder", refusedOutput, StringComparison.Ordinal);
            Assert.False(File.Exists(installed));
        }

        // The cookie --secrets writes, twice (a restarted pod finds the read-only copy of its previous start).
        var cookie = Named<V1Secret>(GeneratedSecrets(fixture.Manifest, new DeployOptions()), KubernetesGenerator.ServiceSecretName).StringData["messaging-erlang-cookie"];
        int exitCode;
        string output;
        await File.WriteAllTextAsync(Path.Combine(secretFolder, cookieFile), cookie);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            (exitCode, output) = await RunShAsync(script);
            Assert.True(exitCode == 0, output);
            Assert.Equal(cookie, await File.ReadAllTextAsync(installed));
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(installed));
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // Unix file modes
    public async Task Broker_users_writes_a_password_per_user_and_definitions_whose_hashes_match_them()
    {
        var folder = fixture.NewFolder("broker-users");
        var log = new StringWriter();

        var exitCode = await DeployCommand.RunAsync(["--manifest", fixture.ManifestPath, "--broker-users", folder], log, log);

        Assert.True(exitCode == 0, log.ToString());
        var definitions = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "definitions.json"))).RootElement;
        var users = definitions.GetProperty("users").EnumerateArray().ToList();
        Assert.Equal([BrokerAccess.ChatUser, BrokerAccess.BotUser(StockCommandConsumer.Command)], users.Select(u => u.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var passwords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            var name = user.GetProperty("name").GetString()!;
            var passwordFile = Path.Combine(folder, $"{name}.password");
            var password = await File.ReadAllTextAsync(passwordFile);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
            Assert.Equal(BrokerUsers.PasswordBytes * 2, password.Length);
            Assert.True(Uri.IsWellFormedUriString($"amqp://{name}:{password}@messaging:5672", UriKind.Absolute));
            Assert.True(passwords.Add(password), "two users got the same password");

            // RabbitMQ's rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password)), a 4-byte salt.
            Assert.Equal("rabbit_password_hashing_sha256", user.GetProperty("hashing_algorithm").GetString());
            var hash = Convert.FromBase64String(user.GetProperty("password_hash").GetString()!);
            var salt = hash[..4];
            Assert.Equal(hash[4..], SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(password)]));
        }

        Assert.Equal(3, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void The_pinned_image_is_a_release_of_the_app_models_RabbitMQ_line()
    {
        var appModel = fixture.Manifest[Broker].Image!.Split(':')[^1];
        var pinned = KubernetesGenerator.RabbitMQImage.Split(':')[^1];

        Assert.Matches(@"^\d+\.\d+\.\d+$", pinned);
        Assert.StartsWith(appModel + ".", pinned, StringComparison.Ordinal);
    }

    /// <summary><c>rabbitmq.conf</c> of the committed ConfigMap as key = value pairs (comments and blank lines left out).</summary>
    private static Dictionary<string, string> RabbitMQConfig(IReadOnlyList<IKubernetesObject> objects)
    {
        var pod = Named<V1StatefulSet>(objects, Broker).Spec.Template.Spec;
        var configMap = Named<V1ConfigMap>(objects, $"{Broker}-config");
        // The ConfigMap item mounted into the image's conf.d, which RabbitMQ reads.
        var mount = pod.Containers.Single().VolumeMounts.Single(m => m.MountPath == "/etc/rabbitmq/conf.d");
        var item = Assert.Single(pod.Volumes.Single(v => v.Name == mount.Name).ConfigMap.Items);
        Assert.EndsWith(".conf", item.Path, StringComparison.Ordinal);
        return configMap.Data[item.Key].Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair[1].Trim());
    }

    private static string PluginsFile(IReadOnlyList<IKubernetesObject> objects, V1PodSpec pod, V1Container node, Dictionary<string, V1EnvVar> env)
    {
        var (volume, file) = MountedFile(pod, node, env["RABBITMQ_ENABLED_PLUGINS_FILE"].Value);
        var item = Assert.Single(volume.ConfigMap.Items, i => i.Path == file);
        return Named<V1ConfigMap>(objects, volume.ConfigMap.Name).Data[item.Key];
    }

    /// <summary>The volume a file path of <paramref name="container"/> lies on, and the path inside it.</summary>
    private static (V1Volume Volume, string File) MountedFile(V1PodSpec pod, V1Container container, string path)
    {
        var mount = Assert.Single(container.VolumeMounts, m => path.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        return (pod.Volumes.Single(v => v.Name == mount.Name), path[(mount.MountPath.Length + 1)..]);
    }

    private static async Task<(int ExitCode, string Output)> RunShAsync(string script)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static List<IKubernetesObject> Committed(string folder) =>
        KubernetesManifestTests.CommittedObjects(Path.Combine(AspireManifestFixture.RepositoryRoot, "deploy", folder)).Select(o => o.Object).ToList();
}
