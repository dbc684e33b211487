using System.Text.Json.Nodes;
using Chattorum.Deploy;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// The generator takes what it knows of a project from the app model's <c>"deployment"</c> object, never from the
/// project's name, and refuses a manifest whose facts disagree rather than guess.
/// </summary>
[Collection(DeployCollection.Name)]
public class GeneratorAppModelTests(AspireManifestFixture fixture)
{
    [Fact]
    public void A_renamed_project_is_deployed_from_its_app_model_facts()
    {
        // The same project under another name: nothing in the generator knows "stockbot".
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        var resources = json["resources"]!.AsObject();
        var bot = resources["stockbot"]!.DeepClone();
        resources.Remove("stockbot");
        resources["quotebot"] = bot;

        var objects = new KubernetesGenerator(AspireManifest.Parse(json.ToJsonString()), new DeployOptions()).GenerateObjects();

        var deployment = Assert.Single(objects["quotebot.yaml"].OfType<k8s.Models.V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("bot", deployment.Metadata.Labels[KubernetesGenerator.Labels.Component]);
        Assert.StartsWith("chattorum/stockbot:", container.Image, StringComparison.Ordinal);
        Assert.Equal("50m", container.Resources.Requests["cpu"].ToString());
        Assert.Contains(container.Env, env => env.Name == "Quotes__Stooq__ApiKey" && env.ValueFrom.SecretKeyRef.Optional == true);
        var secrets = DeployWiringTests.GeneratedSecrets(AspireManifest.Parse(json.ToJsonString()), new DeployOptions()).Single(s => s.Metadata.Name == "quotebot-secrets");
        Assert.StartsWith("amqp://stockbot:", secrets.StringData["ConnectionStrings__messaging"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_without_a_deployment_is_refused_naming_it()
    {
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        json["resources"]!["stockbot"]!.AsObject().Remove("deployment");

        var exception = Assert.Throws<NotSupportedException>(() => new KubernetesGenerator(AspireManifest.Parse(json.ToJsonString()), new DeployOptions()).Generate());

        Assert.Contains("'stockbot'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("WithDeployment", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_that_reads_a_service_it_does_not_connect_to_is_refused()
    {
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        json["resources"]!["chatapi"]!["deployment"]!["connectsTo"] = new JsonArray("messaging");

        var exception = Assert.Throws<NotSupportedException>(() => new KubernetesGenerator(AspireManifest.Parse(json.ToJsonString()), new DeployOptions()).Generate());

        Assert.Contains("'chatapi'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("cache", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broker_client_without_a_broker_user_is_refused()
    {
        var json = JsonNode.Parse(fixture.ManifestJson)!;
        json["resources"]!["stockbot"]!["deployment"]!.AsObject().Remove("brokerUser");

        var exception = Assert.Throws<NotSupportedException>(() => new KubernetesGenerator(AspireManifest.Parse(json.ToJsonString()), new DeployOptions()).Generate());

        Assert.Contains("'stockbot'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("WithBrokerUser", exception.Message, StringComparison.Ordinal);
    }
}
