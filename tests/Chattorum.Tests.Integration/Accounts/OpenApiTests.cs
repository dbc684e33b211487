using System.Net;
using System.Text.Json.Nodes;
using Chattorum.Tests.Integration.Support;
using Chattorum.Tests.Support;

namespace Chattorum.Tests.Integration.Accounts;

/// <summary>
/// The HTTP API's contract: a node in development serves its OpenAPI document, and it is the one committed in
/// docs/openapi.json, so a change to an endpoint cannot leave the file behind. Production serves none.
/// </summary>
public sealed class OpenApiTests(AuthEnvironmentsFixture servers) : IClassFixture<AuthEnvironmentsFixture>
{
    private const string DocumentPath = "/openapi/v1.json";

    [Fact]
    public async Task A_development_node_serves_the_committed_document()
    {
        using var http = new HttpClient { BaseAddress = servers["Development"].BaseUri };
        var served = await http.GetStringAsync(DocumentPath);

        var committedPath = Path.Combine(Repository.Root, "docs", "openapi.json");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(committedPath));
        if (!JsonNode.DeepEquals(committed, JsonNode.Parse(served)))
        {
            // The test never rewrites the tracked file: it leaves the served document beside it to compare and copy.
            var fresh = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(fresh, served);
            Assert.Fail($"docs/openapi.json is not what a node serves: compare it with {fresh} and copy that over it if the change is meant");
        }

        var login = served.Contains("\"/api/auth/login\"", StringComparison.Ordinal) && served.Contains("\"/api/auth/register\"", StringComparison.Ordinal);
        Assert.True(login, "both account endpoints are in the document");
    }

    [Fact]
    public async Task A_production_node_serves_no_document()
    {
        using var http = new HttpClient { BaseAddress = servers["Production"].BaseUri };
        using var response = await http.GetAsync(DocumentPath);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
