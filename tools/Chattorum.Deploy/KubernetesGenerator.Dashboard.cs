using System.Globalization;
using k8s;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// The ops dashboard: the standalone Aspire dashboard as the applications' OTLP receiver (logs, traces, metrics), unless
/// <see cref="DeployOptions.OtlpEndpoint"/> sends the telemetry to a collector of the operator's. A Deployment and a
/// ClusterIP Service, no Ingress: operators reach the UI with <c>kubectl port-forward</c>. The browser login (a token, or
/// OpenID Connect) and the OTLP API key come from <see cref="DashboardSecretName"/>, which the operator creates; every
/// application sends the key in <c>OTEL_EXPORTER_OTLP_HEADERS</c>. The dashboard keeps telemetry in memory only: a
/// restart loses it.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    public const string DashboardName = "dashboard";

    public const string DashboardFileName = "dashboard.yaml";

    /// <summary>The Secret the operator creates (docs/deploy.md): the browser token, the OTLP API key, an OIDC client secret.</summary>
    public const string DashboardSecretName = "chattorum-dashboard";

    public const string DashboardBrowserTokenKey = "browser-token";

    public const string DashboardOtlpApiKeyKey = "otlp-api-key";

    public const string DashboardOidcClientSecretKey = "oidc-client-secret";

    /// <summary>
    /// The dashboard image's release: the Aspire version of the AppHost (Aspire.Hosting.AppHost in Directory.Packages.props;
    /// a test keeps them equal). The image's fixed tags are the product version, so the dashboard matches the app model's
    /// Aspire and never moves under a running Deployment.
    /// </summary>
    public const string DashboardVersion = "13.6.5";

    public const string DashboardImage = $"mcr.microsoft.com/dotnet/aspire-dashboard:{DashboardVersion}";

    /// <summary>The UI's port in the container (the image's <c>ASPNETCORE_URLS</c>) and in the Service.</summary>
    public const int DashboardUiPort = 18888;

    /// <summary>The OTLP/gRPC receiver's port in the container (the image's <c>DOTNET_DASHBOARD_OTLP_ENDPOINT_URL</c>).</summary>
    public const int DashboardOtlpContainerPort = 18889;

    /// <summary>The OTLP/gRPC port of the Service: the protocol's registered port, which the applications are told.</summary>
    public const int DashboardOtlpServicePort = 4317;

    public const string DashboardUiPortName = "ui";

    public const string DashboardOtlpPortName = "otlp-grpc";

    /// <summary>The non-root user of the .NET distroless images the dashboard image is built on (<c>app</c>, <c>APP_UID</c>).</summary>
    public const long DashboardImageUserId = 1654;

    /// <summary>The image user's home: ASP.NET Core keeps its data protection keys (the login cookie's) in <c>.aspnet</c> there.</summary>
    private const string DashboardHome = "/home/app";

    /// <summary>The header the dashboard reads the OTLP API key from (<c>Dashboard:Otlp:AuthMode = ApiKey</c>).</summary>
    public const string OtlpApiKeyHeader = "x-otlp-api-key";

    /// <summary>The applications' variable holding the key, expanded by the kubelet into <c>OTEL_EXPORTER_OTLP_HEADERS</c>.</summary>
    public const string OtlpApiKeyVariable = "DASHBOARD_OTLP_API_KEY";

    /// <summary>Whether this generation deploys the dashboard (no collector of the operator's named).</summary>
    private bool DeploysDashboard => options.OtlpEndpoint is null;

    /// <summary>The applications' <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: the operator's collector, or the dashboard's Service.</summary>
    private string OtlpEndpoint() =>
        options.OtlpEndpoint ?? string.Create(CultureInfo.InvariantCulture, $"http://{DashboardName}:{DashboardOtlpServicePort}");

    /// <summary>
    /// What an application adds to its environment to authenticate to the dashboard: the key from the dashboard's Secret,
    /// then the header that uses it (a later variable may refer to an earlier one as <c>$(NAME)</c>). None for a collector
    /// of the operator's, whose authentication this tool does not know.
    /// </summary>
    private IEnumerable<V1EnvVar> OtlpAuthenticationEnvironment()
    {
        if (!DeploysDashboard)
        {
            yield break;
        }

        yield return new V1EnvVar { Name = OtlpApiKeyVariable, ValueFrom = DashboardSecret(DashboardOtlpApiKeyKey) };
        yield return new V1EnvVar { Name = "OTEL_EXPORTER_OTLP_HEADERS", Value = $"{OtlpApiKeyHeader}=$({OtlpApiKeyVariable})" };
    }

    private List<IKubernetesObject> Dashboard()
    {
        if (manifest.Contains(DashboardName))
        {
            throw new NotSupportedException($"The app model has a resource named '{DashboardName}', the name of the ops dashboard's Deployment and Service.");
        }

        var labels = ComponentLabels(DashboardName, "observability");
        var selector = Selector(DashboardName);
        var container = new V1Container
        {
            Name = DashboardName,
            Image = DashboardImage,
            Ports =
            [
                new V1ContainerPort { Name = DashboardUiPortName, ContainerPort = DashboardUiPort, Protocol = "TCP" },
                new V1ContainerPort { Name = DashboardOtlpPortName, ContainerPort = DashboardOtlpContainerPort, Protocol = "TCP" },
            ],
            Env = DashboardEnvironment(),
            // The dashboard documents no health endpoint of its own: the listening sockets are the check.
            StartupProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = DashboardUiPortName }, PeriodSeconds = 2, FailureThreshold = 30 },
            ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = DashboardUiPortName }, PeriodSeconds = 5, FailureThreshold = 3 },
            LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = DashboardOtlpPortName }, PeriodSeconds = 10, FailureThreshold = 6 },
            Resources = Resources(new Sizing(CpuRequest: "100m", MemoryRequest: "256Mi", CpuLimit: "1", MemoryLimit: "1Gi")),
            SecurityContext = DashboardContainerSecurityContext(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
                new V1VolumeMount { Name = "aspnet", MountPath = $"{DashboardHome}/.aspnet" },
            ],
        };

        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Metadata(DashboardName, labels),
            Spec = new V1DeploymentSpec
            {
                // One replica: each dashboard keeps its own telemetry in memory, so two would each show a part of it.
                Replicas = 1,
                Strategy = new V1DeploymentStrategy { Type = "Recreate" },
                Selector = new V1LabelSelector { MatchLabels = selector },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = DashboardPodSecurityContext(),
                        Containers = [container],
                        // The root file system is read-only: .NET's temporary files and the data protection keys go to
                        // memory-backed scratch volumes, lost on restart like the telemetry (browsers log in again).
                        Volumes =
                        [
                            new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("64Mi") } },
                            new V1Volume { Name = "aspnet", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Mi") } },
                        ],
                    },
                },
            },
        };

        return
        [
            deployment,
            ClientService(DashboardName, labels, selector,
            [
                new V1ServicePort { Name = DashboardUiPortName, Port = DashboardUiPort, TargetPort = DashboardUiPortName, Protocol = "TCP" },
                new V1ServicePort { Name = DashboardOtlpPortName, Port = DashboardOtlpServicePort, TargetPort = DashboardOtlpPortName, Protocol = "TCP", AppProtocol = "grpc" },
            ]),
        ];
    }

    private List<V1EnvVar> DashboardEnvironment()
    {
        var env = new List<V1EnvVar>
        {
            // The image's own defaults, stated so that the ports above cannot drift from them.
            new() { Name = "ASPNETCORE_URLS", Value = string.Create(CultureInfo.InvariantCulture, $"http://+:{DashboardUiPort}") },
            new() { Name = "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", Value = string.Create(CultureInfo.InvariantCulture, $"http://+:{DashboardOtlpContainerPort}") },
            new() { Name = "DASHBOARD__OTLP__AUTHMODE", Value = "ApiKey" },
            new() { Name = "DASHBOARD__OTLP__PRIMARYAPIKEY", ValueFrom = DashboardSecret(DashboardOtlpApiKeyKey) },
            // Without a resource service (the AppHost's), the dashboard shows this name.
            new() { Name = "DASHBOARD__APPLICATIONNAME", Value = "Chattorum" },
            // Its MCP server would be one more endpoint to secure; operators use the UI.
            new() { Name = "DASHBOARD__MCP__DISABLED", Value = "true" },
        };

        if (options.DashboardOidc is { } oidc)
        {
            env.Add(new() { Name = "DASHBOARD__FRONTEND__AUTHMODE", Value = "OpenIdConnect" });
            env.Add(new() { Name = "AUTHENTICATION__SCHEMES__OPENIDCONNECT__AUTHORITY", Value = oidc.Authority });
            env.Add(new() { Name = "AUTHENTICATION__SCHEMES__OPENIDCONNECT__CLIENTID", Value = oidc.ClientId });
            env.Add(new() { Name = "AUTHENTICATION__SCHEMES__OPENIDCONNECT__CLIENTSECRET", ValueFrom = DashboardSecret(DashboardOidcClientSecretKey) });
        }
        else
        {
            env.Add(new() { Name = "DASHBOARD__FRONTEND__AUTHMODE", Value = "BrowserToken" });
            env.Add(new() { Name = "DASHBOARD__FRONTEND__BROWSERTOKEN", ValueFrom = DashboardSecret(DashboardBrowserTokenKey) });
        }

        return env;
    }

    private static V1EnvVarSource DashboardSecret(string key) =>
        new() { SecretKeyRef = new V1SecretKeySelector { Name = DashboardSecretName, Key = key } };

    /// <summary>The restricted Pod Security Standard: the image's non-root user by number, the runtime's default seccomp profile.</summary>
    private static V1PodSecurityContext DashboardPodSecurityContext() => new()
    {
        RunAsNonRoot = true,
        RunAsUser = DashboardImageUserId,
        RunAsGroup = DashboardImageUserId,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>The restricted Pod Security Standard's container rules, and a read-only root file system.</summary>
    private static V1SecurityContext DashboardContainerSecurityContext() => new()
    {
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        ReadOnlyRootFilesystem = true,
    };
}
