using Aspire.Hosting.ApplicationModel;
using Chattorum.Messaging;

namespace Chattorum.AppHost;

/// <summary>
/// Each service connects to RabbitMQ as its own broker user (<see cref="BrokerAccess"/>): chat nodes as
/// <c>chattorum</c>, each bot as <c>NAMEbot</c>, so a bot's replies carry a <c>user-id</c> the broker vouches for.
/// </summary>
internal static class BrokerUsersExtensions
{
    /// <summary>Generated passwords: letters and digits only, so they need no escaping in an AMQP URI.</summary>
    public const int PasswordLength = 32;

    /// <summary>
    /// Gives <paramref name="service"/> the connection string <c>ConnectionStrings:NAME</c> (NAME: the broker resource's
    /// name) for <paramref name="user"/>, whose password is a generated secret parameter kept in user secrets. On the local
    /// node the user is created with <paramref name="permissions"/> from the definitions file the node imports at boot.
    /// A container broker (Aspire.Hosting.RabbitMQ) has only its image's default user: there every service gets that
    /// user's connection string, as before (docs/bots.md, "Identity").
    /// </summary>
    public static IResourceBuilder<T> WithBrokerUser<T>(this IResourceBuilder<T> service, IResourceBuilder<IResourceWithConnectionString> broker, string user, BrokerPermissions permissions)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        if (broker.Resource is not LocalRabbitMQResource local)
        {
            return service.WithReference(broker).WaitFor(broker);
        }

        var builder = service.ApplicationBuilder;
        var password = builder.AddParameter($"{local.Name}-{user}-password", new GenerateParameterDefault { MinLength = PasswordLength, Special = false }, secret: true, persist: true);
        if (!local.Users.Exists(existing => existing.Name == user))
        {
            local.Users.Add((user, password.Resource, permissions));
        }

        var connection = builder.AddConnectionString($"{local.Name}-{user}", local.ConnectionStringFor(user, password.Resource));
        return service.WithReference(connection, connectionName: local.Name).WaitFor(broker);
    }

    /// <summary>Writes the node's definitions file (hashed passwords only) before it starts; it imports it at boot.</summary>
    public static async Task WriteDefinitionsAsync(LocalRabbitMQResource rabbit, CancellationToken cancellationToken)
    {
        var users = new List<BrokerUser>
        {
            new(LocalRabbitMQResource.AdminUser, await PasswordAsync(rabbit.AdminPassword, cancellationToken).ConfigureAwait(false), BrokerDefinitions.Everything, Administrator: true),
        };
        foreach (var (name, password, permissions) in rabbit.Users)
        {
            users.Add(new(name, await PasswordAsync(password, cancellationToken).ConfigureAwait(false), permissions));
        }

        await File.WriteAllTextAsync(rabbit.DefinitionsFile, BrokerDefinitions.Create(users), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> PasswordAsync(ParameterResource password, CancellationToken cancellationToken) =>
        await password.GetValueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The parameter {password.Name} has no value");
}
