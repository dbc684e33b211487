using Chattorum.Deploy;

return await DeployCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

namespace Chattorum.Deploy
{
    /// <summary>
    /// <c>dotnet run --project tools/Chattorum.Deploy -- --output deploy/k8s [options]</c>: publishes the AppHost's Aspire
    /// manifest and writes the Kubernetes manifests generated from it.
    /// </summary>
    internal static class DeployCommand
    {
        public static string Usage { get; } = $"""
            Writes Kubernetes manifests for Chattorum from the AppHost's app model.

            usage: dotnet run --project tools/Chattorum.Deploy -- [options]

              --output DIR           where to write the YAML files and the Kustomization that lists them (default:
                                     deploy/k8s in the repository, deploy/k8s-redis-cluster with --redis-cluster)
              --manifest FILE        use this Aspire manifest instead of running the AppHost's manifest publisher
              --apphost PATH         the AppHost project file or built assembly (default: src/Chattorum.AppHost)
              --image-registry HOST[/PATH]
                                     registry of the application images: HOST[/PATH]/chattorum/NAME:TAG
                                     (default: none, chattorum/NAME:TAG)
              --tag TAG              tag of the application images (default: the release, {ImageReference.ReleaseTag}, which the
                                     images are tagged with); never "latest", which names no particular build
              --external-services    no Redis and RabbitMQ StatefulSets: the Secret's connection strings name managed services
              --redis-cluster        Redis as a Redis Cluster: six cluster-enabled pods (3 primaries, 3 replicas) and a Job
                                     that forms the cluster; the Secret lists the pods. With --external-services, give the
                                     managed cluster's endpoint in the Secret instead
              --ingress-host HOST    host name of the Ingress rule or Gateway listener (default: every host); with a
                                     host, clients connect over TLS with the certificate in the Secret NAME-tls
              --cluster-issuer NAME  cert-manager issues that certificate from this ClusterIssuer (default: none, the
                                     operator creates the Secret)
              --ingress-class NAME   ingress class (default: nginx)
              --routing ingress|gateway
                                     an Ingress (default), or a Gateway API Gateway and HTTPRoute (written to
                                     {DeployOptions.GatewayOutputFolder} by default)
              --gateway-class NAME   the Gateway's GatewayClass (default: {DeployOptions.DefaultGatewayClass}, Envoy Gateway's)
              --ingress-namespace NS the namespace of the pods that forward client traffic, which the NetworkPolicies let
                                     in (default: {DeployOptions.DefaultIngressNamespace}, or {DeployOptions.DefaultGatewayNamespace} with --routing gateway)
              --otlp-endpoint URL    send the applications' telemetry to this OpenTelemetry collector (OTLP/gRPC) and
                                     deploy no dashboard (default: the ops dashboard, dashboard.yaml, which receives it)
              --dashboard-oidc-authority URL, --dashboard-oidc-client-id ID
                                     the dashboard's users sign in with this OpenID Connect provider instead of the
                                     browser token (the client secret: key oidc-client-secret of the dashboard's Secret)
              --secrets DIR          write no manifests: DIR/secrets.yaml, the Secrets the workloads read, with new random
                                     values (signing key, Redis password, Erlang cookie, broker users and their
                                     definitions, the connection strings with them); owner-only, apply then delete it.
                                     Not with --external-services (the managed services' secrets are yours)
              --broker-users DIR     write no manifests: a new random password for each application's broker user
                                     (DIR/USER.password) and the RabbitMQ definitions file that creates the users with
                                     them and their rights (DIR/definitions.json), for the Secrets (docs/deploy.md)
            """;

        public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
        {
            var options = new DeployOptions();
            string? outputFolder = null, manifestPath = null, appHost = null, brokerUsersFolder = null, secretsFolder = null, oidcAuthority = null, oidcClientId = null;
            try
            {
                for (var i = 0; i < args.Length; i++)
                {
                    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                    switch (args[i])
                    {
                        case "--output": outputFolder = Value(); break;
                        case "--manifest": manifestPath = Value(); break;
                        case "--apphost": appHost = Value(); break;
                        case "--image-registry": options = options with { ImageRegistry = Checked(Value(), ImageReference.RegistryProblem, "--image-registry") }; break;
                        case "--tag": options = options with { Tag = Checked(Value(), ImageReference.TagProblem, "--tag") }; break;
                        case "--external-services": options = options with { ExternalServices = true }; break;
                        case "--redis-cluster": options = options with { RedisCluster = true }; break;
                        case "--ingress-host": options = options with { IngressHost = Value() }; break;
                        case "--ingress-class": options = options with { IngressClass = Value() }; break;
                        case "--routing": options = options with { Routing = RoutingOf(Value()) }; break;
                        case "--gateway-class": options = options with { GatewayClass = Value() }; break;
                        case "--ingress-namespace": options = options with { IngressNamespace = Value() }; break;
                        case "--cluster-issuer": options = options with { ClusterIssuer = Value() }; break;
                        case "--otlp-endpoint": options = options with { OtlpEndpoint = Value() }; break;
                        case "--dashboard-oidc-authority": oidcAuthority = Value(); break;
                        case "--dashboard-oidc-client-id": oidcClientId = Value(); break;
                        case "--broker-users": brokerUsersFolder = Value(); break;
                        case "--secrets": secretsFolder = Value(); break;
                        case "-h" or "--help": await output.WriteLineAsync(Usage).ConfigureAwait(false); return 0;
                        default: throw new ArgumentException($"unknown argument '{args[i]}'");
                    }
                }

                if (options.ClusterIssuer is not null && options.IngressHost is null)
                {
                    throw new ArgumentException("--cluster-issuer needs --ingress-host: a certificate names a host");
                }

                options = options with { DashboardOidc = DashboardOidcOf(oidcAuthority, oidcClientId, options.OtlpEndpoint) };
            }
            catch (ArgumentException exception)
            {
                await error.WriteLineAsync($"error: {exception.Message}\n\n{Usage}").ConfigureAwait(false);
                return 2;
            }

            try
            {
                var root = RepositoryRoot();
                outputFolder ??= Path.Combine(root ?? ".", options.OutputFolder);

                AspireManifest manifest;
                if (manifestPath is not null)
                {
                    manifest = AspireManifest.Load(manifestPath);
                }
                else
                {
                    appHost ??= root is not null
                        ? Path.Combine(root, "src", "Chattorum.AppHost", "Chattorum.AppHost.csproj")
                        : throw new InvalidOperationException("Run from inside the repository, or pass --apphost or --manifest.");
                    var temp = Directory.CreateTempSubdirectory("chattorum-deploy-");
                    try
                    {
                        var path = Path.Combine(temp.FullName, "aspire-manifest.json");
                        await output.WriteLineAsync($"Publishing the Aspire manifest of {appHost}...").ConfigureAwait(false);
                        await AspireManifestPublisher.PublishAsync(appHost, path).ConfigureAwait(false);
                        manifest = AspireManifest.Load(path);
                    }
                    finally
                    {
                        temp.Delete(recursive: true);
                    }
                }

                var generator = new KubernetesGenerator(manifest, options, secretsFolder is null ? null : SecretValues.Random());
                var written = secretsFolder is not null ? WriteSecrets(secretsFolder, generator.GenerateSecrets())
                    : brokerUsersFolder is not null ? BrokerUsers.Write(brokerUsersFolder, generator.BrokerIdentities())
                    : ManifestFolder.Write(outputFolder, generator.GenerateFolder());
                foreach (var line in written)
                {
                    await output.WriteLineAsync(line).ConfigureAwait(false);
                }

                return 0;
            }
            catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or IOException or TimeoutException)
            {
                await error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        private static string[] WriteSecrets(string folder, ManifestFile secrets)
        {
            Directory.CreateDirectory(folder);
            return [PrivateFile.Write(Path.Combine(folder, secrets.Name), secrets.Content)];
        }

        private static Routing RoutingOf(string value) => value switch
        {
            "ingress" => Routing.Ingress,
            "gateway" => Routing.Gateway,
            _ => throw new ArgumentException($"--routing {value}: ingress or gateway"),
        };

        private static DashboardOidc? DashboardOidcOf(string? authority, string? clientId, string? otlpEndpoint) => (authority, clientId) switch
        {
            (null, null) => null,
            (not null, not null) when otlpEndpoint is not null => throw new ArgumentException("--dashboard-oidc-*: --otlp-endpoint deploys no dashboard"),
            (not null, not null) when !Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps =>
                throw new ArgumentException($"--dashboard-oidc-authority {authority}: an https:// URL"),
            (not null, not null) => new DashboardOidc(authority, clientId),
            _ => throw new ArgumentException("--dashboard-oidc-authority and --dashboard-oidc-client-id go together"),
        };

        private static string Checked(string value, Func<string, string?> problem, string option) =>
            problem(value) is { } reason ? throw new ArgumentException($"{option} {value}: {reason}") : value;

        /// <summary>The folder with Chattorum.sln, looking up from the current directory.</summary>
        internal static string? RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Chattorum.sln")))
                {
                    return folder.FullName;
                }
            }

            return null;
        }
    }

    /// <summary>Writes generated files into a folder, removing generated files that are no longer produced.</summary>
    internal static class ManifestFolder
    {
        private const string GeneratedMarker = "# Generated by tools/Chattorum.Deploy";

        public static IReadOnlyList<string> Write(string folder, IReadOnlyList<ManifestFile> files)
        {
            Directory.CreateDirectory(folder);
            var lines = new List<string>();
            var names = files.Select(file => file.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            {
                if (!names.Contains(Path.GetFileName(stale)) && File.ReadLines(stale).FirstOrDefault()?.StartsWith(GeneratedMarker, StringComparison.Ordinal) == true)
                {
                    File.Delete(stale);
                    lines.Add($"removed {stale}");
                }
            }

            foreach (var file in files)
            {
                var path = Path.Combine(folder, file.Name);
                var unchanged = File.Exists(path) && File.ReadAllText(path) == file.Content;
                if (!unchanged)
                {
                    File.WriteAllText(path, file.Content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                }

                lines.Add($"{(unchanged ? "unchanged" : "wrote    ")} {path}");
            }

            return lines;
        }
    }
}
