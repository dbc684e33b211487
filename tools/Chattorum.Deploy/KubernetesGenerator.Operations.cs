using k8s;

namespace Chattorum.Deploy;

/// <summary>The files beside the application's own: the ops dashboard, and the NetworkPolicies between the pods.</summary>
internal sealed partial class KubernetesGenerator
{
    private void AddOperationsFiles(Dictionary<string, IReadOnlyList<IKubernetesObject>> files)
    {
        if (DeploysDashboard)
        {
            files.Add(DashboardFileName, Dashboard());
        }

        files.Add(NetworkPoliciesFileName, NetworkPolicies());
    }
}
