using System.Security.Cryptography;

namespace Chattorum.Deploy;

/// <summary>
/// Where the values of the Secrets come from. The manifests carry none (<see cref="Withheld"/>: the workloads reference
/// Secrets the operator creates, and a pod whose Secret is missing stays in Kubernetes's own
/// <c>CreateContainerConfigError: secret "..." not found</c>); <c>--secrets DIR</c> writes them with <see cref="Random"/>
/// values, new on every run, into a file the operator applies and deletes.
/// </summary>
internal abstract class SecretValues
{
    /// <summary>Random bytes in a generated value: 256 bits, written as hex, so it needs no escaping in a URI or a connection string.</summary>
    public const int RandomBytes = 32;

    /// <summary>For the manifests: nothing is ever asked of it, so no value, placeholder or real, can end up in them.</summary>
    public static SecretValues Withheld { get; } = new WithheldValues();

    /// <summary>New random values, one per secret, the same one each time the same secret is asked for.</summary>
    public static SecretValues Random() => new RandomValues();

    public abstract bool AreWithheld { get; }

    /// <summary>The value of a secret parameter of the app model (<paramref name="minLength"/>: its generated default's).</summary>
    public abstract string Parameter(string name, int? minLength);

    /// <summary>The Erlang cookie the nodes of a RabbitMQ cluster share.</summary>
    public abstract string ErlangCookie(string broker);

    /// <summary>The broker users with their passwords, and the definitions file that creates them (salted hashes only).</summary>
    public abstract (string Definitions, IReadOnlyDictionary<string, string> Passwords) BrokerUsers(IReadOnlyList<BrokerIdentity> users);

    private sealed class WithheldValues : SecretValues
    {
        public override bool AreWithheld => true;

        // The generator still translates every expression (an unknown one fails), but the text is thrown away.
        public override string Parameter(string name, int? minLength) => $"withheld-{name}";

        public override string ErlangCookie(string broker) => $"withheld-{broker}-cookie";

        public override (string Definitions, IReadOnlyDictionary<string, string> Passwords) BrokerUsers(IReadOnlyList<BrokerIdentity> users) =>
            (Chattorum.Deploy.BrokerUsers.PlaceholderDefinitions(users), users.ToDictionary(user => user.User, user => $"withheld-{user.User}", StringComparer.Ordinal));
    }

    private sealed class RandomValues : SecretValues
    {
        private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
        private (string Definitions, IReadOnlyDictionary<string, string> Passwords)? brokerUsers;

        public override bool AreWithheld => false;

        public override string Parameter(string name, int? minLength) =>
            Remember($"parameter:{name}", Math.Max(RandomBytes, ((minLength ?? 0) + 1) / 2));

        public override string ErlangCookie(string broker) => Remember($"cookie:{broker}", RandomBytes);

        public override (string Definitions, IReadOnlyDictionary<string, string> Passwords) BrokerUsers(IReadOnlyList<BrokerIdentity> users) =>
            brokerUsers ??= Chattorum.Deploy.BrokerUsers.WithRandomPasswords(users);

        private string Remember(string key, int bytes)
        {
            if (!values.TryGetValue(key, out var value))
            {
                value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
                values[key] = value;
            }

            return value;
        }
    }
}
