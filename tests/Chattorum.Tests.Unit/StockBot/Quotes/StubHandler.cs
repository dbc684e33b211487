namespace Chattorum.Tests.Unit.StockBot.Quotes;

/// <summary>An HttpClient handler that answers every request with what the test builds, without a network.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(answer(request));
}
