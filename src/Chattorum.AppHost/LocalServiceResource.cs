using Aspire.Hosting.ApplicationModel;

namespace Chattorum.AppHost;

/// <summary>
/// A backing service run from a Debian binary as a plain process, for machines without a container runtime:
/// one <c>tcp</c> endpoint (DCP assigns the port and proxies it) and a data folder of its own.
/// </summary>
internal abstract class LocalServiceResource(string name, string command, string dataFolder)
    : ExecutableResource(name, command, dataFolder), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    private EndpointReference? primaryEndpoint;

    public string DataFolder { get; } = dataFolder;

    public EndpointReference PrimaryEndpoint => primaryEndpoint ??= new(this, EndpointName);

    public abstract ReferenceExpression ConnectionStringExpression { get; }
}
