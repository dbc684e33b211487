using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chattorum.Messaging;

namespace Chattorum.Deploy;

/// <summary>The broker user an application connects as, and its rights on the virtual host.</summary>
internal sealed record BrokerIdentity(string User, BrokerPermissions Permissions);

/// <summary>
/// The broker users of the applications, as the app model gives them (<c>WithBrokerUser</c>, carried in each project's
/// <see cref="ProjectDeployment.BrokerUser"/>): the chat nodes as <c>chattorum</c>, each bot as its own user, whose
/// rights cover its queues and its replies and nothing else. The generator gives each workload a connection string for
/// its own user, and RabbitMQ a definitions file with these users (<see cref="BrokerDefinitions"/>).
/// </summary>
internal static class BrokerUsers
{
    /// <summary>Random bytes in a generated password: 256 bits, written as hex so that it needs no escaping in an AMQP URI.</summary>
    public const int PasswordBytes = 32;

    /// <summary>
    /// Definitions with every user and its rights and an empty password hash, which no password matches: what the
    /// manifests' generator works with, since it withholds every secret value (<see cref="SecretValues.Withheld"/>).
    /// </summary>
    public static string PlaceholderDefinitions(IEnumerable<BrokerIdentity> users)
    {
        // BrokerDefinitions always hashes a password (with a random salt): blank the hashes, which also makes the text
        // the same on every generation.
        var json = JsonNode.Parse(BrokerDefinitions.Create(users.Select(user => new BrokerUser(user.User, string.Empty, user.Permissions))))!;
        foreach (var user in json["users"]!.AsArray())
        {
            user!["password_hash"] = string.Empty;
        }

        // Relaxed escaping: the rights' regular expressions stay readable ('+' rather than \u002B); still valid JSON.
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>A new random password for each user, and the definitions that create the users with them (salted hashes only).</summary>
    public static (string Definitions, IReadOnlyDictionary<string, string> Passwords) WithRandomPasswords(IEnumerable<BrokerIdentity> users)
    {
        var list = users.ToList();
        var passwords = list.ToDictionary(
            user => user.User,
            _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PasswordBytes)),
            StringComparer.Ordinal);
        var definitions = BrokerDefinitions.Create(list.Select(user => new BrokerUser(user.User, passwords[user.User], user.Permissions)));
        return (definitions, passwords);
    }

    /// <summary>
    /// <c>--broker-users DIR</c>: writes <c>definitions.json</c> and one <c>USER.password</c> file per user into
    /// <paramref name="folder"/>, readable by their owner only: new passwords for a running cluster (docs/deploy.md).
    /// </summary>
    public static IReadOnlyList<string> Write(string folder, IEnumerable<BrokerIdentity> users)
    {
        var (definitions, passwords) = WithRandomPasswords(users);
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, content) in passwords.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Select(entry => ($"{entry.Key}.password", entry.Value))
            .Prepend(("definitions.json", definitions)))
        {
            written.Add(PrivateFile.Write(Path.Combine(folder, name), content));
        }

        return written;
    }
}
