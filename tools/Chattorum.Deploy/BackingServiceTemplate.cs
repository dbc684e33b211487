using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// What Kubernetes needs to know of a backing service's image that the app model does not say: these are facts of the
/// public Redis and RabbitMQ images (their ports, data folders, probes), not of Chattorum's services.
/// </summary>
internal sealed record BackingServiceTemplate(
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
    /// A RabbitMQ node (of the cluster, <c>KubernetesGenerator.RabbitMQCluster</c>) with its data on the volume; the
    /// StatefulSet keeps its host name, and so its node name, stable.
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
