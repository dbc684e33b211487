namespace Chattorum.Messaging;

/// <summary>
/// <c>ConnectionStrings:messaging</c>: one AMQP URI, or a comma-separated list of them, one per node of a RabbitMQ
/// cluster (<c>amqp://user:pass@rabbit-0:5672,amqp://user:pass@rabbit-1:5672,…</c>). The user, password and virtual
/// host of the first are used for all; the others add hosts and ports to connect to, and to fail over to when the
/// node in use goes away.
/// </summary>
public static class BrokerEndpoints
{
    /// <summary>The URIs of a connection string, in order; empty when it is missing or is not a list of AMQP URIs.</summary>
    public static IReadOnlyList<Uri> Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return [];
        }

        var uris = new List<Uri>();
        foreach (var part in connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || uri.Host.Length == 0)
            {
                return [];
            }

            uris.Add(uri);
        }

        return uris;
    }
}
