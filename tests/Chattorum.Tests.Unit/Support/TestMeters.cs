using System.Diagnostics.Metrics;
using Chattorum.ChatApi;
using Chattorum.ChatApi.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Chattorum.Tests.Support;

/// <summary>Meters for code under test that is built by hand rather than by a host.</summary>
public static class TestMeters
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static IMeterFactory Factory { get; } = Services.GetRequiredService<IMeterFactory>();

    public static ChatMetrics Chat(IMeterFactory? factory = null) => new(factory ?? Factory, new ChatConnections(), new SendBacklog());
}
