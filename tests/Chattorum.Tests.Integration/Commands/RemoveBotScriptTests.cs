using System.Diagnostics;
using Chattorum.Messaging;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Chattorum.Tests.Integration.Support.ChatTestClient;

namespace Chattorum.Tests.Integration.Commands;

/// <summary>scripts/remove-bot.sh retires a bot: its queues and broker user go, and its command is unknown again.</summary>
public class RemoveBotScriptTests(CommandsFixture system) : IClassFixture<CommandsFixture>
{
    private const string Command = "echo";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);

    private static async Task<string> CommandAnswerAsync(ChatTestClient client, string room, string line)
    {
        var cid = await client.SendMessageAsync(room, line);
        var answer = await client.WaitForAsync(f => f.TryGetProperty("cid", out var c) && c.GetString() == cid);
        return Type(answer) == "error" ? answer.GetProperty("code").GetString()! : Type(answer)!;
    }

    [Fact]
    public async Task After_removal_the_command_is_unknown_and_the_bots_queues_and_user_are_gone()
    {
        // The echo bot as a bot author sets it up, with its own user: its queue and a sub-queue of its own.
        await using (var bot = await system.ConnectToBrokerAsync(BrokerAccess.BotUser(Command)))
        await using (var channel = await bot.CreateChannelAsync())
        {
            await CommandTopology.DeclareSharedAsync(channel);
            await CommandTopology.DeclareBotQueueAsync(channel, Command);
            await channel.QueueDeclareAsync($"{CommandTopology.BotQueue(Command)}.delay", durable: true, exclusive: false, autoDelete: false);
        }

        await using var admin = await system.ConnectToBrokerAsync();
        await using var adminChannel = await admin.CreateChannelAsync();
        await adminChannel.QueueDeclareAsync("chattorum.bot.echoes", durable: false, exclusive: false, autoDelete: false);
        await using var client = await ConnectAsync(system.NodeA, "retiring_a");
        await client.JoinAsync("retiring");
        Assert.Equal("queued", await CommandAnswerAsync(client, "retiring", "/echo=hello"));

        var (exitCode, output) = await RunScriptAsync(Command);

        Assert.True(exitCode == 0, output);
        Assert.Contains("deleted queue chattorum.bot.echo\n", output, StringComparison.Ordinal);
        Assert.Contains("deleted queue chattorum.bot.echo.delay\n", output, StringComparison.Ordinal);
        Assert.Contains("deleted broker user echobot", output, StringComparison.Ordinal);
        Assert.Equal("unknown_command", await CommandAnswerAsync(client, "retiring", "/echo=hello"));

        // Another bot whose name merely starts the same keeps its queue; the retired user cannot log in.
        Assert.Equal(0u, (await adminChannel.QueueDeclarePassiveAsync("chattorum.bot.echoes")).MessageCount);
        await adminChannel.QueueDeleteAsync("chattorum.bot.echoes");
        await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => system.ConnectToBrokerAsync(BrokerAccess.BotUser(Command)));
    }

    [Fact]
    public async Task A_name_that_is_not_a_command_name_is_refused_before_anything_is_deleted()
    {
        var (exitCode, output) = await RunScriptAsync("stock.*");

        Assert.Equal(2, exitCode);
        Assert.Contains("is not a command name", output, StringComparison.Ordinal);
        await using var admin = await system.ConnectToBrokerAsync();
        await using var channel = await admin.CreateChannelAsync();
        await channel.QueueDeclarePassiveAsync(CommandTopology.BotQueue("stock"));
    }

    private async Task<(int ExitCode, string Output)> RunScriptAsync(string name)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "remove-bot.sh"), name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["RABBITMQ_NODE"] = system.Broker.NodeName;
        start.Environment["RABBITMQ_COOKIE"] = system.Broker.ErlangCookie;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(ScriptTimeout);
        return (process.ExitCode, await stdout + await stderr);
    }
}
