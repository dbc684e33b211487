using System.Globalization;
using k8s.Models;

namespace Chattorum.Deploy;

/// <summary>
/// Configuration and secrets: an application's environment split into its ConfigMap (literal values) and its own Secret
/// (expressions: connection strings, secret parameters, as placeholders), the backing services' secret parameters in the
/// services' Secret, and the Secret objects themselves.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>The applications' setting that keeps the probes on a port of their own (the ServiceDefaults' <c>Health:Port</c>).</summary>
    public const string ManagementPortSetting = "Health__Port";

    /// <summary>An application's settings: its ConfigMap's data, and its container's environment (ConfigMap keys, then Secret keys).</summary>
    private sealed record ApplicationSettings(string ConfigMapName, SortedDictionary<string, string> Config, List<V1EnvVar> Env);

    private static string ConfigMapName(string name) => $"{name}-config";

    /// <summary>
    /// Splits <paramref name="project"/>'s environment: literal values into its ConfigMap, expressions into
    /// <paramref name="appSecrets"/> (its Secret), each application's broker connection string as its own broker user;
    /// its optional secrets are read as optional keys of the Secret, whether or not the app model sets them, and get no
    /// value here (the operator adds them).
    /// </summary>
    private ApplicationSettings ProjectSettings(AspireResource project, ProjectDeployment deployment, SortedDictionary<string, string> appSecrets)
    {
        var name = project.Name;
        var configMapName = ConfigMapName(name);
        var config = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            // Kestrel listens on both ports; the probes answer only on the second, and nothing else does.
            ["ASPNETCORE_HTTP_PORTS"] = string.Create(CultureInfo.InvariantCulture, $"{HttpPort};{deployment.ProbePort}"),
            [ManagementPortSetting] = deployment.ProbePort.ToString(CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpEndpoint(),
            ["OTEL_SERVICE_NAME"] = name,
        };
        var secretKeys = new SortedSet<string>(StringComparer.Ordinal);
        var secretName = AppSecretName(name);
        var broker = Broker();

        // Aspire also passes each referenced service as CACHE_HOST, CACHE_PORT, ... and the port as HTTP_PORTS: the
        // applications read only ConnectionStrings__*, and the ports are ASPNETCORE_HTTP_PORTS here.
        var referenced = ConnectedServices(project, deployment)
            .Select(resource => resource.Name.ToUpperInvariant().Replace('-', '_') + "_")
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (key, value) in project.Env)
        {
            if (key == "HTTP_PORTS" || referenced.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)) || deployment.OptionalSecrets.Contains(key))
            {
                continue;
            }

            if (broker is not null && key == BrokerConnectionStringKey(broker))
            {
                // Each application connects as its own broker user, whatever the app model's local broker uses.
                AddSecret(appSecrets, key, BrokerConnectionString(broker, BrokerIdentityOf(project)), name);
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

        var env = config.Keys.Select(key => new V1EnvVar
        {
            Name = key,
            ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = configMapName, Key = key } },
        })
        .Concat(secretKeys.Concat(deployment.OptionalSecrets).Order(StringComparer.Ordinal).Select(key => new V1EnvVar
        {
            Name = key,
            ValueFrom = new V1EnvVarSource
            {
                SecretKeyRef = new V1SecretKeySelector
                {
                    Name = secretName,
                    Key = key,
                    Optional = deployment.OptionalSecrets.Contains(key) ? true : null,
                },
            },
        }))
        .ToList();

        return new ApplicationSettings(configMapName, config, env);
    }

    /// <summary>
    /// The backing services (containers) a project talks to, as the app model says (<see cref="ProjectDeployment.ConnectsTo"/>).
    /// A container its environment refers to but that list leaves out is an app model out of step with itself: refused.
    /// </summary>
    private List<AspireResource> ConnectedServices(AspireResource project, ProjectDeployment deployment)
    {
        foreach (var reference in deployment.ConnectsTo.Where(reference => !manifest.Contains(reference)))
        {
            throw new NotSupportedException($"Project '{project.Name}' connects to '{reference}', which the Aspire manifest does not have.");
        }

        var connected = deployment.ConnectsTo.Select(reference => manifest[reference]).Where(resource => resource.IsContainer).ToList();
        var unlisted = project.Env
            .SelectMany(variable => ManifestExpressions.ReferencedResources(variable.Value))
            .Where(manifest.Contains)
            .Select(reference => manifest[reference])
            .Where(resource => resource.IsContainer && !deployment.ConnectsTo.Contains(resource.Name))
            .Select(resource => resource.Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return unlisted.Count == 0
            ? connected
            : throw new NotSupportedException(
                $"Project '{project.Name}' reads the settings of {string.Join(", ", unlisted)} but does not connect to it in the app model (its \"connectsTo\").");
    }

    private static V1ConfigMap ConfigMap(string name, IDictionary<string, string> labels, IDictionary<string, string> data) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = Metadata(name, labels),
        Data = data,
    };

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
}
