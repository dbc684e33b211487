using System.Globalization;
using System.Text.Json;

namespace Chattorum.Deploy;

/// <summary>One endpoint of a resource in the Aspire manifest (<c>bindings.NAME</c>).</summary>
internal sealed record AspireBinding(string Name, string Scheme, string Transport, int? Port, int? TargetPort, bool External);

/// <summary>
/// One resource of the Aspire JSON manifest: what the AppHost's <c>--publisher manifest</c> writes for it. Only the
/// properties the Kubernetes translation uses are read; the rest of the entry is ignored.
/// </summary>
internal sealed class AspireResource
{
    public required string Name { get; init; }

    /// <summary><c>container.v0</c>, <c>project.v0</c>, <c>parameter.v0</c>, <c>annotated.string</c>, <c>value.v0</c>, ...</summary>
    public required string Type { get; init; }

    public string? Image { get; init; }

    public string? ConnectionString { get; init; }

    /// <summary>The environment in manifest order: literal values or expressions such as <c>{cache.connectionString}</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public IReadOnlyList<AspireBinding> Bindings { get; init; } = [];

    /// <summary><c>replicas</c>: written by the AppHost's <c>WithDeployment</c> (Aspire leaves it out); 1 when absent.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary><c>deployment</c>: written by the AppHost's <c>WithDeployment</c> for a project (Aspire has no such property).</summary>
    public ProjectDeployment? Deployment { get; init; }

    /// <summary>The <c>value</c> of a parameter, an annotated string or a value resource.</summary>
    public string? Value { get; init; }

    /// <summary>The <c>filter</c> of an annotated string (<c>uri</c>: URI-encode the value).</summary>
    public string? Filter { get; init; }

    /// <summary>Whether a parameter is marked secret.</summary>
    public bool Secret { get; init; }

    /// <summary>The minimum length of a parameter's generated default, if it has one.</summary>
    public int? MinLength { get; init; }

    public bool IsContainer => Type.StartsWith("container.", StringComparison.Ordinal);

    public bool IsProject => Type.StartsWith("project.", StringComparison.Ordinal);

    public bool IsParameter => Type.StartsWith("parameter.", StringComparison.Ordinal);
}

/// <summary>The Aspire JSON manifest of the AppHost (<c>aspire-manifest.json</c>), read into <see cref="AspireResource"/>s.</summary>
internal sealed class AspireManifest
{
    private readonly Dictionary<string, AspireResource> byName;

    private AspireManifest(IReadOnlyList<AspireResource> resources)
    {
        Resources = resources;
        byName = resources.ToDictionary(resource => resource.Name, StringComparer.Ordinal);
    }

    /// <summary>Every resource, in manifest order.</summary>
    public IReadOnlyList<AspireResource> Resources { get; }

    public AspireResource this[string name] =>
        byName.TryGetValue(name, out var resource)
            ? resource
            : throw new InvalidOperationException($"The Aspire manifest has no resource '{name}'.");

    public bool Contains(string name) => byName.ContainsKey(name);

    public static AspireManifest Load(string path) => Parse(File.ReadAllText(path));

    public static AspireManifest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("Not an Aspire manifest: no \"resources\" object.");
        }

        var list = new List<AspireResource>();
        foreach (var property in resources.EnumerateObject())
        {
            list.Add(ReadResource(property.Name, property.Value));
        }

        return new AspireManifest(list);
    }

    private static AspireResource ReadResource(string name, JsonElement json)
    {
        var input = json.TryGetProperty("inputs", out var inputs) && inputs.TryGetProperty("value", out var value) ? value : default;
        return new AspireResource
        {
            Name = name,
            Type = String(json, "type") ?? throw new InvalidOperationException($"Resource '{name}' has no type."),
            Image = String(json, "image"),
            ConnectionString = String(json, "connectionString"),
            Env = json.TryGetProperty("env", out var env)
                ? env.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? string.Empty)).ToList()
                : [],
            Bindings = json.TryGetProperty("bindings", out var bindings)
                ? bindings.EnumerateObject().Select(ReadBinding).ToList()
                : [],
            Replicas = json.TryGetProperty("replicas", out var replicas) ? replicas.GetInt32() : 1,
            Deployment = json.TryGetProperty(ProjectDeployment.PropertyName, out var deployment) ? ProjectDeployment.Read(name, deployment) : null,
            Value = String(json, "value"),
            Filter = String(json, "filter"),
            Secret = input.ValueKind == JsonValueKind.Object && input.TryGetProperty("secret", out var secret) && secret.GetBoolean(),
            MinLength = input.ValueKind == JsonValueKind.Object
                && input.TryGetProperty("default", out var @default)
                && @default.TryGetProperty("generate", out var generate)
                && generate.TryGetProperty("minLength", out var minLength)
                    ? minLength.GetInt32()
                    : null,
        };
    }

    private static AspireBinding ReadBinding(JsonProperty binding) => new(
        binding.Name,
        String(binding.Value, "scheme") ?? "tcp",
        String(binding.Value, "transport") ?? "tcp",
        Int(binding.Value, "port"),
        Int(binding.Value, "targetPort"),
        binding.Value.TryGetProperty("external", out var external) && external.GetBoolean());

    private static string? String(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : null;
}

/// <summary>
/// Evaluates manifest expressions (<c>{cache.connectionString}</c>, <c>{cache.bindings.tcp.host}</c>,
/// <c>{jwt-signing-key.value}</c>, ...) into the values a Kubernetes deployment uses: hosts become Service names (or
/// placeholders for externally managed services), ports the bindings' ports, and parameters their placeholders.
/// Anything it does not know throws, so a change in the app model cannot slip through untranslated.
/// <paramref name="connectionStringOf"/>, when given, may rewrite a resource's evaluated connection string (a Redis Cluster
/// lists its pods where the app model has one host).
/// </summary>
internal sealed class ManifestExpressions(
    AspireManifest manifest,
    Func<AspireResource, string> hostOf,
    Func<AspireResource, string> parameterValue,
    Func<AspireResource, string, string>? connectionStringOf = null)
{
    public string Evaluate(string expression)
    {
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (i < expression.Length)
        {
            var open = expression.IndexOf('{', i);
            if (open < 0)
            {
                result.Append(expression, i, expression.Length - i);
                break;
            }

            var close = expression.IndexOf('}', open);
            if (close < 0)
            {
                throw new NotSupportedException($"Unbalanced braces in manifest expression '{expression}'.");
            }

            result.Append(expression, i, open - i);
            result.Append(EvaluateReference(expression[(open + 1)..close]));
            i = close + 1;
        }

        return result.ToString();
    }

    /// <summary>The names of the resources an expression refers to, directly.</summary>
    public static IEnumerable<string> ReferencedResources(string expression)
    {
        var i = 0;
        while ((i = expression.IndexOf('{', i)) >= 0)
        {
            var close = expression.IndexOf('}', i);
            if (close < 0)
            {
                yield break;
            }

            yield return expression[(i + 1)..close].Split('.')[0];
            i = close + 1;
        }
    }

    private string EvaluateReference(string reference)
    {
        var parts = reference.Split('.');
        var resource = manifest[parts[0]];
        return parts[1..] switch
        {
            ["connectionString"] => ConnectionString(resource, Evaluate(resource.ConnectionString
                ?? throw new NotSupportedException($"'{{{reference}}}': resource '{resource.Name}' has no connection string."))),
            ["value"] or ["inputs", "value"] when resource.IsParameter => parameterValue(resource),
            ["value"] when resource.Type == "annotated.string" => ApplyFilter(resource, Evaluate(resource.Value ?? string.Empty)),
            ["value"] when resource.Value is not null => Evaluate(resource.Value),
            ["bindings", var name, var property] => Binding(resource, name, property),
            _ => throw new NotSupportedException($"Cannot translate the manifest expression '{{{reference}}}' to Kubernetes."),
        };
    }

    private string ConnectionString(AspireResource resource, string evaluated) =>
        connectionStringOf is null ? evaluated : connectionStringOf(resource, evaluated);

    private string Binding(AspireResource resource, string name, string property)
    {
        var binding = resource.Bindings.FirstOrDefault(b => b.Name == name)
            ?? throw new NotSupportedException($"Resource '{resource.Name}' has no binding '{name}'.");
        var port = binding.Port ?? binding.TargetPort
            ?? throw new NotSupportedException($"Binding '{resource.Name}.{name}' has no port.");
        return property switch
        {
            "host" => hostOf(resource),
            "port" or "targetPort" => port.ToString(CultureInfo.InvariantCulture),
            "scheme" => binding.Scheme,
            "url" => string.Create(CultureInfo.InvariantCulture, $"{binding.Scheme}://{hostOf(resource)}:{port}"),
            _ => throw new NotSupportedException($"Cannot translate binding property '{resource.Name}.bindings.{name}.{property}'."),
        };
    }

    private static string ApplyFilter(AspireResource resource, string value) => resource.Filter switch
    {
        null => value,
        "uri" => Uri.EscapeDataString(value),
        var filter => throw new NotSupportedException($"Unknown filter '{filter}' on '{resource.Name}'."),
    };
}
