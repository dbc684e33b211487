using Chattorum.Tests.Integration.Support;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// <c>kubectl kustomize FOLDER</c>: the Kustomize built into kubectl renders a kustomization offline, without a cluster
/// or a kubeconfig. The tests need it; they fail, rather than skip, where it is missing.
/// </summary>
internal static class KubectlKustomize
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string Requirement =
        "the Kustomize tests render deploy/kustomize with `kubectl kustomize` (tested with kubectl 1.32, Kustomize v5.5; " +
        "`kubectl version --client` shows both). Machines of this project's kind come with it; Debian's own " +
        "kubernetes-client package is kubectl 1.20, whose Kustomize v2 is too old: install kubectl from the Kubernetes project";

    /// <summary>The objects <paramref name="folder"/>'s kustomization renders, as YAML.</summary>
    public static async Task<string> BuildAsync(string folder)
    {
        var result = await ToolProcess.RunAsync("kubectl", ["kustomize", folder], Timeout, Requirement);
        Assert.True(
            result.ExitCode == 0,
            $"kubectl kustomize {folder} failed (exit code {result.ExitCode}): {result.StandardError}\nNote: {Requirement}.");
        return result.StandardOutput;
    }
}
