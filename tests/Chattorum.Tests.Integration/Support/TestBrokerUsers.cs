using Chattorum.Messaging;

namespace Chattorum.Tests.Integration.Support;

/// <summary>
/// The broker users every test broker (one node or a cluster) is created with, from a definitions file imported at
/// boot: <c>guest</c> with every right (the tests' own admin connections), the chat nodes' user, and one user per
/// bot the tests run, each with exactly the rights <see cref="BrokerAccess"/> gives it in production.
/// </summary>
public static class TestBrokerUsers
{
    public const string AdminUser = "guest";
    public const string AdminPassword = "guest";
    public const string Password = "chattorum-test-password";

    /// <summary>The bot commands the tests run bots for (a user each).</summary>
    public static readonly string[] BotCommands = ["stock", "weather", "echo"];

    public static IReadOnlyList<BrokerUser> All { get; } =
    [
        new BrokerUser(AdminUser, AdminPassword, BrokerDefinitions.Everything, Administrator: true),
        new BrokerUser(BrokerAccess.ChatUser, Password, BrokerAccess.ChatNodes),
        .. BotCommands.Select(command => new BrokerUser(BrokerAccess.BotUser(command), Password, BrokerAccess.Bot(command))),
    ];

    /// <summary>The definitions file's text, for <c>load_definitions</c>.</summary>
    public static string Definitions() => BrokerDefinitions.Create(All);

    /// <summary>An AMQP URI for <paramref name="user"/> at each of <paramref name="ports"/>, comma-separated (one port: one URI).</summary>
    public static string ConnectionString(string user, params int[] ports) =>
        string.Join(',', ports.Select(port => $"amqp://{user}:{(user == AdminUser ? AdminPassword : Password)}@127.0.0.1:{port}"));
}
