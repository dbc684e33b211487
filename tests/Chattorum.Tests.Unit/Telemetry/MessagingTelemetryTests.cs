using Chattorum.Messaging;

namespace Chattorum.Tests.Unit.Telemetry;

public sealed class MessagingTelemetryTests
{
    [Theory]
    [InlineData("chattorum.commands", "send chattorum.commands")]
    [InlineData("", "send")]
    public void A_send_span_is_named_after_the_exchange_and_omits_the_default_exchanges_empty_name(string exchange, string name) =>
        Assert.Equal(name, MessagingTelemetry.SendName(exchange));
}
