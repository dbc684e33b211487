using Microsoft.Extensions.Configuration;

namespace Chattorum.Messaging;

/// <summary>The broker user a service connects as, read from its AMQP connection string.</summary>
public static class BrokerUserName
{
    /// <summary>The user RabbitMQ's client assumes when the URI names none.</summary>
    public const string ClientDefault = "guest";

    /// <summary>
    /// The user in <c>ConnectionStrings:messaging</c> (<c>amqp://USER:PASSWORD@HOST:PORT</c>, or a list of such URIs
    /// for the nodes of a cluster, all with the same user), percent-decoded, or null when no AMQP URI is configured.
    /// </summary>
    public static string? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return BrokerEndpoints.Parse(configuration.GetConnectionString(BrokerConnection.ConnectionName)) is [var first, ..] ? From(first) : null;
    }

    public static string From(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var user = uri.UserInfo.Split(':', 2)[0];
        return user.Length == 0 ? ClientDefault : Uri.UnescapeDataString(user);
    }
}
