namespace Chattorum.Tests.Integration.Containers;

/// <summary>A service the SDK builds an image of: its project under src/ and the Deployment that runs the image.</summary>
public sealed record ServiceImage(string Project, string Deployment)
{
    public override string ToString() => Project;
}

public static class ServiceImages
{
    public static readonly ServiceImage ChatApi = new("Chattorum.ChatApi", "chatapi");

    public static readonly ServiceImage StockBot = new("Chattorum.StockBot", "stockbot");

    public static IReadOnlyList<ServiceImage> All { get; } = [ChatApi, StockBot];

    /// <summary>For [MemberData]: one row per service.</summary>
    public static TheoryData<ServiceImage> Rows => [.. All];
}
