using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Chattorum.Messaging;

/// <summary>A broker user to create: its name, password and rights on the default virtual host.</summary>
public sealed record BrokerUser(string Name, string Password, BrokerPermissions Permissions, bool Administrator = false);

/// <summary>
/// A RabbitMQ definitions file (users, the <c>/</c> virtual host and permissions) that a node imports at boot
/// (<c>load_definitions</c> in <c>rabbitmq.conf</c>). Passwords are stored as RabbitMQ's salted SHA-256 hash, never in
/// clear. A node that imports definitions creates no default <c>guest</c> user.
/// </summary>
public static class BrokerDefinitions
{
    public const string HashingAlgorithm = "rabbit_password_hashing_sha256";
    public const string VirtualHost = "/";

    public static string Create(IEnumerable<BrokerUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var list = users.ToList();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
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
