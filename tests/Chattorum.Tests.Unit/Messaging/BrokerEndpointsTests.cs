using Chattorum.Messaging;

namespace Chattorum.Tests.Unit.Messaging;

public sealed class BrokerEndpointsTests
{
    public static TheoryData<string?, string[]> Cases => new()
    {
        { null, [] },
        { "", [] },
        { "   ", [] },
        { "amqp://u:p@rabbit:5672", ["rabbit:5672"] },
        { "amqp://u:p@rabbit-0:5672,amqp://u:p@rabbit-1:5673,amqp://u:p@rabbit-2:5674", ["rabbit-0:5672", "rabbit-1:5673", "rabbit-2:5674"] },
        // Spaces around the commas and a trailing comma are forgiven.
        { " amqp://u:p@a:1 , amqp://u:p@b:2 ,", ["a:1", "b:2"] },
        { "amqps://u:p@secure:5671/vhost", ["secure:5671"] },
        // Anything that is not a list of AMQP URIs means "no broker", never a half-read list.
        { "amqp://u:p@a:1,b:2", [] },
        { "http://rabbit:5672", [] },
        { "rabbit:5672", [] },
        { "amqp://u:p@a:1,not a uri", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_connection_string_lists_the_nodes_in_order(string? connectionString, string[] expected)
    {
        var endpoints = BrokerEndpoints.Parse(connectionString);

        Assert.Equal(expected, endpoints.Select(uri => $"{uri.Host}:{uri.Port}"));
    }
}
