using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Chattorum.Messaging;

/// <summary>A broker user to create: its name, password and rights on the default virtual host.</summary>
public sealed record BrokerUser(string Name, string Password, BrokerPermissions Permissions, bool Administrator = false);

/// <summary>
/// A RabbitMQ definitions file (users, the <c>/</c> virtual host and permissions) that a node imports at boot
/// (<c>load_definitions</c> in <c>rabbitmq.conf</c>). Passwords are stored as RabbitMQ's salted SHA-256 hash, never in
/// clear; and the redelivery policy of Chattorum's queues. A node that imports definitions creates no default
/// <c>guest</c> user.
/// </summary>
public static class BrokerDefinitions
{
    public const string HashingAlgorithm = "rabbit_password_hashing_sha256";
    public const string VirtualHost = "/";

    /// <summary>The policy that sets <see cref="RedeliveryLimit"/> on every Chattorum queue.</summary>
    public const string RedeliveryPolicyName = "chattorum-redelivery";

    public const string RedeliveryPolicyPattern = @"^chattorum\.";

    /// <summary>
    /// Deliveries of one message a quorum queue allows before it dead-letters it. RabbitMQ 4 sets 20 on every quorum
    /// queue unless a policy says otherwise, and our consumers hand a message back on purpose when they cannot finish
    /// it yet (a chat node without Redis requeues a reply about once a second; a bot whose reply is not confirmed does
    /// the same): 20 would dead-letter replies after about 20 seconds of a Redis outage. 100,000 is days of that, and
    /// still ends a real poison loop. A policy, not a queue argument, so that every declarer's arguments stay the same.
    /// </summary>
    public const int RedeliveryLimit = 100_000;

    public static string Create(IEnumerable<BrokerUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var list = users.ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("users");
            foreach (var user in list)
            {
                json.WriteStartObject();
                json.WriteString("name", user.Name);
                json.WriteString("password_hash", HashPassword(user.Password));
                json.WriteString("hashing_algorithm", HashingAlgorithm);
                json.WriteStartArray("tags");
                if (user.Administrator)
                {
                    json.WriteStringValue("administrator");
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("vhosts");
            json.WriteStartObject();
            json.WriteString("name", VirtualHost);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartArray("permissions");
            foreach (var user in list)
            {
                json.WriteStartObject();
                json.WriteString("user", user.Name);
                json.WriteString("vhost", VirtualHost);
                json.WriteString("configure", user.Permissions.Configure);
                json.WriteString("write", user.Permissions.Write);
                json.WriteString("read", user.Permissions.Read);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("policies");
            json.WriteStartObject();
            json.WriteString("vhost", VirtualHost);
            json.WriteString("name", RedeliveryPolicyName);
            json.WriteString("pattern", RedeliveryPolicyPattern);
            json.WriteString("apply-to", "queues");
            json.WriteNumber("priority", 0);
            json.WriteStartObject("definition");
            json.WriteNumber("delivery-limit", RedeliveryLimit);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Full rights, for an operator's or a test's administrator.</summary>
    public static BrokerPermissions Everything { get; } = new(".*", ".*", ".*");

    /// <summary>RabbitMQ's <c>rabbit_password_hashing_sha256</c>: base64(salt + SHA-256(salt + UTF-8 password)), 4 random salt bytes.</summary>
    public static string HashPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        Span<byte> salt = stackalloc byte[4];
        RandomNumberGenerator.Fill(salt);
        return HashPassword(password, salt);
    }

    internal static string HashPassword(string password, ReadOnlySpan<byte> salt)
    {
        var salted = new byte[salt.Length + Encoding.UTF8.GetByteCount(password)];
        salt.CopyTo(salted);
        Encoding.UTF8.GetBytes(password, salted.AsSpan(salt.Length));
        var result = new byte[salt.Length + SHA256.HashSizeInBytes];
        salt.CopyTo(result);
        SHA256.HashData(salted, result.AsSpan(salt.Length));
        return Convert.ToBase64String(result);
    }
}
