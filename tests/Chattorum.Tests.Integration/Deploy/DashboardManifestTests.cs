using System.Xml.Linq;
using Chattorum.Deploy;
using k8s;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The ops dashboard in the cluster: every application's telemetry reaches its OTLP port with the key it checks, nothing
/// exposes it outside the cluster, its pod meets the restricted Pod Security Standard, and <c>--otlp-endpoint</c> sends the
/// telemetry elsewhere without it.
/// </summary>
[Collection(DeployCollection.Name)]
public class DashboardManifestTests(AspireManifestFixture fixture)
{
    [Fact]
    public void Every_application_sends_its_telemetry_to_the_dashboards_OTLP_port_with_the_key_the_dashboard_checks()
    {
        var objects = Committed();
        var dashboard = Named<V1Deployment>(objects, KubernetesGenerator.DashboardName);
        var container = dashboard.Spec.Template.Spec.Containers.Single();
        var service = Named<V1Service>(objects, KubernetesGenerator.DashboardName);
        var dashboardEnv = container.Env.ToDictionary(e => e.Name);
        Assert.Equal("ApiKey", dashboardEnv["DASHBOARD__OTLP__AUTHMODE"].Value);
        var dashboardKey = dashboardEnv["DASHBOARD__OTLP__PRIMARYAPIKEY"].ValueFrom.SecretKeyRef;

        var applications = objects.OfType<V1Deployment>().Where(d => d.Metadata.Name != KubernetesGenerator.DashboardName).ToList();
        Assert.Equal(fixture.Manifest.Resources.Count(r => r.IsProject), applications.Count);
        foreach (var application in applications)
        {
            var name = application.Metadata.Name;
            var env = application.Spec.Template.Spec.Containers.Single().Env;

            // The endpoint: host = the dashboard's Service, port = the Service port whose target is the OTLP/gRPC container port.
            var endpoint = new Uri(Named<V1ConfigMap>(objects, $"{name}-config").Data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(service.Metadata.Name, endpoint.Host);
            var servicePort = Assert.Single(service.Spec.Ports, p => p.Port == endpoint.Port);
            var containerPort = Assert.Single(container.Ports, p => p.Name == servicePort.TargetPort.Value);
            Assert.Equal(KubernetesGenerator.DashboardOtlpContainerPort, containerPort.ContainerPort);
            Assert.Equal(
                $"http://+:{containerPort.ContainerPort}",
                dashboardEnv["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"].Value);
            Assert.True(Selects(service.Spec.Selector, dashboard.Spec.Template.Metadata.Labels));

            // The key: the header names the variable defined before it, which reads the same Secret key as the dashboard.
            var header = Assert.Single(env, e => e.Name == "OTEL_EXPORTER_OTLP_HEADERS");
            Assert.Equal($"{KubernetesGenerator.OtlpApiKeyHeader}=$({KubernetesGenerator.OtlpApiKeyVariable})", header.Value);
            var keyIndex = env.ToList().FindIndex(e => e.Name == KubernetesGenerator.OtlpApiKeyVariable);
            Assert.True(keyIndex >= 0 && keyIndex < env.IndexOf(header), $"{name}: the key must be defined before the header that expands it");
            var appKey = env[keyIndex].ValueFrom.SecretKeyRef;
            Assert.Equal((dashboardKey.Name, dashboardKey.Key), (appKey.Name, appKey.Key));
        }
    }

    [Fact]
    public void Nothing_exposes_the_dashboard_outside_the_cluster()
    {
        var objects = KubernetesManifestTests.CommittedObjects().Concat(KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedGatewayFolder))
            .Select(o => o.Object).ToList();

        var service = objects.OfType<V1Service>().Where(s => s.Metadata.Name == KubernetesGenerator.DashboardName).ToList();
        Assert.NotEmpty(service);
        Assert.All(service, s => Assert.Equal("ClusterIP", s.Spec.Type));
        Assert.All(objects.OfType<V1Service>(), s => Assert.DoesNotContain(s.Spec.Type, new[] { "LoadBalancer", "NodePort" }));
        Assert.All(objects.OfType<V1Ingress>(), ingress =>
            Assert.DoesNotContain(ingress.Spec.Rules.SelectMany(r => r.Http.Paths), path => path.Backend.Service.Name == KubernetesGenerator.DashboardName));
        Assert.All(objects.OfType<HttpRoute>(), route =>
            Assert.DoesNotContain(route.Spec.Rules.SelectMany(r => r.BackendRefs), backend => backend.Name == KubernetesGenerator.DashboardName));
    }

    [Fact]
    public void The_browser_login_is_a_token_from_the_operators_Secret_or_OpenID_Connect()
    {
        var token = DashboardEnvironment(Committed());
        Assert.Equal("BrowserToken", token["DASHBOARD__FRONTEND__AUTHMODE"].Value);
        var tokenKey = token["DASHBOARD__FRONTEND__BROWSERTOKEN"].ValueFrom.SecretKeyRef;
        Assert.Equal((KubernetesGenerator.DashboardSecretName, KubernetesGenerator.DashboardBrowserTokenKey), (tokenKey.Name, tokenKey.Key));
        Assert.DoesNotContain(token.Keys, key => key.Contains("UNSECURED", StringComparison.Ordinal));

        var oidc = DashboardEnvironment(Generate(new DeployOptions { DashboardOidc = new("https://login.example.com/realms/ops", "chattorum-dashboard") }));
        Assert.Equal("OpenIdConnect", oidc["DASHBOARD__FRONTEND__AUTHMODE"].Value);
        Assert.Equal("https://login.example.com/realms/ops", oidc["AUTHENTICATION__SCHEMES__OPENIDCONNECT__AUTHORITY"].Value);
        Assert.Equal("chattorum-dashboard", oidc["AUTHENTICATION__SCHEMES__OPENIDCONNECT__CLIENTID"].Value);
        Assert.Equal(KubernetesGenerator.DashboardOidcClientSecretKey, oidc["AUTHENTICATION__SCHEMES__OPENIDCONNECT__CLIENTSECRET"].ValueFrom.SecretKeyRef.Key);
        Assert.DoesNotContain("DASHBOARD__FRONTEND__BROWSERTOKEN", oidc.Keys);
    }

    [Fact]
    public void The_dashboard_pod_meets_the_restricted_Pod_Security_Standard_with_a_read_only_root()
    {
        var pod = Named<V1Deployment>(Committed(), KubernetesGenerator.DashboardName).Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.True(pod.SecurityContext.RunAsUser > 0);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Null(container.SecurityContext.Capabilities.Add);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Null(container.SecurityContext.Privileged);
        Assert.Null(pod.HostNetwork);
        Assert.All(pod.Volumes, volume => Assert.NotNull(volume.EmptyDir));
        // The writable places .NET and ASP.NET Core need with a read-only root: temporary files, data protection keys.
        Assert.Equal(["/home/app/.aspnet", "/tmp"], container.VolumeMounts.Select(m => m.MountPath).Order(StringComparer.Ordinal));
        // One replica: each would keep its own part of the telemetry in memory.
        Assert.Equal(1, Named<V1Deployment>(Committed(), KubernetesGenerator.DashboardName).Spec.Replicas);
    }

    [Fact]
    public void The_dashboard_image_is_the_Aspire_release_of_the_AppHost_never_latest()
    {
        var aspire = XDocument.Load(Path.Combine(AspireManifestFixture.RepositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(p => p.Attribute("Include")?.Value == "Aspire.Hosting.AppHost").Attribute("Version")!.Value;

        var image = Named<V1Deployment>(Committed(), KubernetesGenerator.DashboardName).Spec.Template.Spec.Containers.Single().Image;

        Assert.Equal($"mcr.microsoft.com/dotnet/aspire-dashboard:{aspire}", image);
        Assert.StartsWith("13.", aspire, StringComparison.Ordinal);
    }

    [Fact]
    public void An_OTLP_endpoint_of_the_operators_replaces_the_dashboard()
    {
        var objects = Generate(new DeployOptions { OtlpEndpoint = "http://otel-collector.observability:4317" });

        Assert.DoesNotContain(objects.OfType<V1Deployment>(), d => d.Metadata.Name == KubernetesGenerator.DashboardName);
        Assert.DoesNotContain(objects.OfType<V1Service>(), s => s.Metadata.Name == KubernetesGenerator.DashboardName);
        Assert.DoesNotContain(objects.OfType<V1NetworkPolicy>(), p => p.Metadata.Name.StartsWith(KubernetesGenerator.DashboardName, StringComparison.Ordinal));
        foreach (var application in objects.OfType<V1Deployment>())
        {
            Assert.Equal("http://otel-collector.observability:4317", Named<V1ConfigMap>(objects, $"{application.Metadata.Name}-config").Data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.DoesNotContain(application.Spec.Template.Spec.Containers.Single().Env, e => e.Name is "OTEL_EXPORTER_OTLP_HEADERS" or KubernetesGenerator.OtlpApiKeyVariable);
        }

        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions { OtlpEndpoint = "http://otel-collector.observability:4317" }));
    }

    [Theory]
    [InlineData(new[] { "--dashboard-oidc-authority", "https://login.example.com" }, "go together")]
    [InlineData(new[] { "--dashboard-oidc-authority", "http://login.example.com", "--dashboard-oidc-client-id", "d" }, "an https:// URL")]
    [InlineData(new[] { "--otlp-endpoint", "http://collector:4317", "--dashboard-oidc-authority", "https://login.example.com", "--dashboard-oidc-client-id", "d" }, "deploys no dashboard")]
    [InlineData(new[] { "--cluster-issuer", "letsencrypt" }, "needs --ingress-host")]
    [InlineData(new[] { "--routing", "mesh" }, "ingress or gateway")]
    public async Task Contradictory_options_are_refused(string[] arguments, string reason)
    {
        var log = new StringWriter();

        var exitCode = await DeployCommand.RunAsync([.. arguments, "--manifest", fixture.ManifestPath, "--output", fixture.NewFolder("refused")], log, log);

        Assert.Equal(2, exitCode);
        Assert.Contains(reason, log.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, V1EnvVar> DashboardEnvironment(IReadOnlyList<IKubernetesObject> objects) =>
        Named<V1Deployment>(objects, KubernetesGenerator.DashboardName).Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name);

    private static List<IKubernetesObject> Committed() => KubernetesManifestTests.CommittedObjects().Select(o => o.Object).ToList();

    private List<IKubernetesObject> Generate(DeployOptions options) =>
        new KubernetesGenerator(fixture.Manifest, options).Generate().SelectMany(file => KubernetesManifestTests.Parse(file.Content)).ToList();
}
