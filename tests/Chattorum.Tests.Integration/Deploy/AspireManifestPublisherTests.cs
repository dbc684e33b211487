using System.Text.Json;
using System.Text.Json.Nodes;
using Chattorum.Deploy;
using Chattorum.Messaging;
using Chattorum.StockBot;
using HostingDefaults = Microsoft.Extensions.Hosting.Extensions;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>The AppHost's Aspire manifest publisher keeps working: tools/Chattorum.Deploy is built on it.</summary>
[Collection(DeployCollection.Name)]
public class AspireManifestPublisherTests(AspireManifestFixture fixture)
{
    [Fact]
    public void Publisher_writes_the_app_model_as_JSON()
    {
        using var json = JsonDocument.Parse(fixture.ManifestJson);
        var resources = json.RootElement.GetProperty("resources");

        var cache = resources.GetProperty("cache");
        Assert.Equal("container.v0", cache.GetProperty("type").GetString());
        Assert.Contains("/redis:", cache.GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal(6379, cache.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());

        var messaging = resources.GetProperty("messaging");
        Assert.Equal("container.v0", messaging.GetProperty("type").GetString());
        Assert.Contains("/rabbitmq:", messaging.GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("amqp://", messaging.GetProperty("connectionString").GetString(), StringComparison.Ordinal);

        var chatapi = resources.GetProperty("chatapi");
        Assert.Equal("project.v0", chatapi.GetProperty("type").GetString());
        Assert.Equal(3, chatapi.GetProperty("replicas").GetInt32());
        Assert.True(chatapi.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        var chatEnv = chatapi.GetProperty("env");
        Assert.Equal("{cache.connectionString}", chatEnv.GetProperty("ConnectionStrings__cache").GetString());
        Assert.Equal("{messaging.connectionString}", chatEnv.GetProperty("ConnectionStrings__messaging").GetString());
        Assert.Equal("{jwt-signing-key.value}", chatEnv.GetProperty("Auth__SigningKey").GetString());

        var stockbot = resources.GetProperty("stockbot");
        Assert.Equal("project.v0", stockbot.GetProperty("type").GetString());
        // Two competing consumers of the bot's queue.
        Assert.Equal(2, stockbot.GetProperty("replicas").GetInt32());
        Assert.Equal("{messaging.connectionString}", stockbot.GetProperty("env").GetProperty("ConnectionStrings__messaging").GetString());
        Assert.False(stockbot.GetProperty("env").TryGetProperty("ConnectionStrings__cache", out _));

        Assert.True(resources.GetProperty("jwt-signing-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }

    [Fact]
    public void Projects_keep_every_property_Aspire_writes_plus_their_replicas_and_deployment()
    {
        // WithDeployment writes a project's entry itself: every property Aspire writes must still be there.
        using var json = JsonDocument.Parse(fixture.ManifestJson);
        foreach (var name in new[] { "chatapi", "stockbot" })
        {
            var properties = json.RootElement.GetProperty("resources").GetProperty(name).EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["type", "path", "env", "bindings", "replicas", "deployment"], properties);
        }
    }

    [Fact]
    public void Each_projects_deployment_carries_what_the_app_model_says_of_it()
    {
        var chat = fixture.Manifest["chatapi"].Deployment!;
        var bot = fixture.Manifest["stockbot"].Deployment!;

        Assert.Equal(("chat", "chattorum/chatapi"), (chat.Component, chat.ImageRepository));
        Assert.Equal(("bot", "chattorum/stockbot"), (bot.Component, bot.ImageRepository));
        // The probes on a port of their own (the images' management port, 8081), away from the clients' 8080.
        Assert.All(new[] { chat, bot }, deployment => Assert.Equal(
            (HostingDefaults.HealthEndpointPath, HostingDefaults.AlivenessEndpointPath, 8081),
            (deployment.ReadyPath, deployment.AlivePath, deployment.ProbePort)));

        // Which service talks to which: the references of the app model, without its parameters.
        Assert.Equal(["cache", "messaging"], chat.ConnectsTo);
        Assert.Equal(["messaging"], bot.ConnectsTo);

        // WithBrokerUser's user and rights, in publish mode too (where the AppHost creates no users itself).
        Assert.Equal(new BrokerIdentity(BrokerAccess.ChatUser, BrokerAccess.ChatNodes), chat.BrokerUser);
        Assert.Equal(
            new BrokerIdentity(BrokerAccess.BotUser(StockCommandConsumer.Command), BrokerAccess.Bot(StockCommandConsumer.Command)),
            bot.BrokerUser);

        // The quote provider keys are listed though the AppHost was given none (the fixture's publisher has no user secrets).
        Assert.Empty(chat.OptionalSecrets);
        Assert.Equal(["Quotes__Stooq__ApiKey", "Quotes__AlphaVantage__ApiKey"], bot.OptionalSecrets);
        Assert.DoesNotContain(fixture.Manifest["stockbot"].Env, variable => variable.Key.StartsWith("Quotes__", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("component")]
    [InlineData("image")]
    [InlineData("probes")]
    [InlineData("connectsTo")]
    public void A_deployment_without_one_of_its_properties_is_refused_naming_the_project(string property)
    {
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        json["resources"]!["stockbot"]!["deployment"]!.AsObject().Remove(property);

        var exception = Assert.Throws<InvalidOperationException>(() => AspireManifest.Parse(json.ToJsonString()));

        Assert.Contains("'stockbot'", exception.Message, StringComparison.Ordinal);
        Assert.Contains(property, exception.Message, StringComparison.Ordinal);
    }
}
