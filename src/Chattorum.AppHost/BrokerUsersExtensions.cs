using Aspire.Hosting.ApplicationModel;
using Chattorum.Messaging;

namespace Chattorum.AppHost;

/// <summary>
/// The broker users a RabbitMQ resource is created with, from a definitions file it imports at boot: its administrator
/// (the resource's own connection string) and one user per service that <see cref="BrokerUsersExtensions.WithBrokerUser"/>
/// gave one.
/// </summary>
internal sealed class BrokerUsersAnnotation(
    string definitionsFile,
    string adminUser,
    ParameterResource adminPassword,
    Func<string, ParameterResource, ReferenceExpression> connectionString) : IResourceAnnotation
{
    public string DefinitionsFile { get; } = definitionsFile;

    public List<(string Name, ParameterResource Password, BrokerPermissions Permissions)> Users { get; } = [];

    /// <summary>Writes the definitions file (hashed passwords only, and the redelivery policy) before the node starts.</summary>
    public async Task WriteDefinitionsAsync(CancellationToken cancellationToken)
    {
        var users = new List<BrokerUser>
        {
            new(adminUser, await BrokerUsersExtensions.ValueAsync(adminPassword, cancellationToken).ConfigureAwait(false), BrokerDefinitions.Everything, Administrator: true),
        };
        foreach (var (name, password, permissions) in Users)
        {
            users.Add(new(name, await BrokerUsersExtensions.ValueAsync(password, cancellationToken).ConfigureAwait(false), permissions));
        }

        await File.WriteAllTextAsync(DefinitionsFile, BrokerDefinitions.Create(users), cancellationToken).ConfigureAwait(false);
    }

    public ReferenceExpression ConnectionStringFor(string user, ParameterResource password) => connectionString(user, password);
}

/// <summary>
/// Each service connects to RabbitMQ as its own broker user (<see cref="BrokerAccess"/>): chat nodes as
/// <c>chattorum</c>, each bot as <c>NAMEbot</c>, so a bot's replies carry a <c>user-id</c> the broker vouches for.
/// </summary>
internal static class BrokerUsersExtensions
{
    /// <summary>Generated passwords: letters and digits only, so they need no escaping in an AMQP URI.</summary>
    public const int PasswordLength = 32;

    private const string ContainerDefaultUser = "guest";

    /// <summary>
    /// Gives <paramref name="service"/> the connection string <c>ConnectionStrings:NAME</c> (NAME: the broker resource's
    /// name) for <paramref name="user"/>, whose password is a generated secret parameter kept in user secrets, and adds
    /// the user with <paramref name="permissions"/> to the definitions the broker imports at boot. A broker without
    /// <see cref="BrokerUsersAnnotation"/> (the container in publish mode: the manifest) gives every service its own
    /// connection string, as before; the deployment creates the users (docs/bots.md, "Identity").
    /// </summary>
    public static IResourceBuilder<T> WithBrokerUser<T>(this IResourceBuilder<T> service, IResourceBuilder<IResourceWithConnectionString> broker, string user, BrokerPermissions permissions)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        // Recorded in every mode: a deployment creates the same user with the same rights (ManifestDeployment).
        service.WithAnnotation(new BrokerUserAnnotation(user, permissions), ResourceAnnotationMutationBehavior.Replace);
        if (!broker.Resource.TryGetLastAnnotation<BrokerUsersAnnotation>(out var users))
        {
            return service.WithReference(broker).WaitFor(broker);
        }

        var builder = service.ApplicationBuilder;
        var password = builder.AddParameter($"{broker.Resource.Name}-{user}-password", new GenerateParameterDefault { MinLength = PasswordLength, Special = false }, secret: true, persist: true);
        if (!users.Users.Exists(existing => existing.Name == user))
        {
            users.Users.Add((user, password.Resource, permissions));
        }

        var connection = builder.AddConnectionString($"{broker.Resource.Name}-{user}", users.ConnectionStringFor(user, password.Resource));
        return service.WithReference(connection, connectionName: broker.Resource.Name).WaitFor(broker);
    }

    /// <summary>
    /// The container broker, in run mode, imports the same definitions: a conf.d file that loads them and the file, both
    /// bind-mounted. Its administrator is the container's own user, which RabbitMQ no longer creates by itself once it
    /// imports definitions.
    /// </summary>
    public static IResourceBuilder<RabbitMQServerResource> WithBrokerUsers(this IResourceBuilder<RabbitMQServerResource> rabbit)
    {
        const string DefinitionsInContainer = "/etc/rabbitmq/chattorum-definitions.json";
        var builder = rabbit.ApplicationBuilder;
        var folder = LocalServices.CreateDataFolder(builder, $"{rabbit.Resource.Name}-definitions");
        var definitions = Path.Combine(folder, "definitions.json");
        var config = Path.Combine(folder, "90-chattorum.conf");
        File.WriteAllText(config, $"load_definitions = {DefinitionsInContainer}\n");
        File.WriteAllText(definitions, "{}");
        var endpoint = rabbit.Resource.PrimaryEndpoint;
        var annotation = new BrokerUsersAnnotation(
            definitions,
            // AddMessaging names no user: the container's is RabbitMQ's default, which its image lets in from anywhere.
            ContainerDefaultUser,
            rabbit.Resource.PasswordParameter,
            (user, password) => ReferenceExpression.Create(
                $"amqp://{user}:{password}@{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}"));
        return rabbit
            .WithAnnotation(annotation)
            .WithBindMount(definitions, DefinitionsInContainer, isReadOnly: true)
            .WithBindMount(config, "/etc/rabbitmq/conf.d/90-chattorum.conf", isReadOnly: true)
            .OnBeforeResourceStarted((_, _, cancellationToken) => annotation.WriteDefinitionsAsync(cancellationToken));
    }

    public static async Task<string> ValueAsync(ParameterResource parameter, CancellationToken cancellationToken) =>
        await parameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The parameter {parameter.Name} has no value");
}
