using System.Text.Json;

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
    public void Projects_keep_every_property_Aspire_writes_plus_their_replicas()
    {
        // WithReplicasInManifest writes a project's entry itself: every property Aspire writes must still be there.
        using var json = JsonDocument.Parse(fixture.ManifestJson);
        foreach (var name in new[] { "chatapi", "stockbot" })
        {
            var properties = json.RootElement.GetProperty("resources").GetProperty(name).EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["type", "path", "env", "bindings", "replicas"], properties);
        }
    }
}
