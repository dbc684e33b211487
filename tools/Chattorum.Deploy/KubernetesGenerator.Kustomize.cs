using System.Text;

namespace Chattorum.Deploy;

/// <summary>
/// The Kustomization that makes every output folder a Kustomize base (<c>kubectl apply -k FOLDER</c>, or the
/// <c>resources</c> of an overlay such as those in deploy/kustomize/). Written by the generator, so that it lists exactly
/// the files of the same run: a file the generator adds is never left out of a base.
/// </summary>
internal sealed partial class KubernetesGenerator
{
    /// <summary>
    /// Kustomize's third recognized name for the file. Without a <c>.yaml</c> extension, <c>kubectl apply -f FOLDER/</c>
    /// skips it (it reads every <c>.yaml</c> file of a folder and would refuse the kind <c>Kustomization</c>), and so do
    /// the schema validator and every tool that takes <c>FOLDER/*.yaml</c> as Kubernetes objects.
    /// </summary>
    public const string KustomizationFileName = "Kustomization";

    public const string KustomizeApiVersion = "kustomize.config.k8s.io/v1beta1";

    /// <summary>The files of an output folder: the manifests (<see cref="Generate"/>) and the Kustomization that lists them.</summary>
    public IReadOnlyList<ManifestFile> GenerateFolder()
    {
        var manifests = Generate();
        return [.. manifests, Kustomization(manifests)];
    }

    private ManifestFile Kustomization(IReadOnlyList<ManifestFile> manifests)
    {
        var text = new StringBuilder();
        foreach (var line in ManifestHeader())
        {
            text.Append(line).Append('\n');
        }

        text.Append("# The files beside this one as a Kustomize base (kubectl apply -k FOLDER, or an overlay's resources: docs/deploy.md).\n")
            .Append("apiVersion: ").Append(KustomizeApiVersion).Append('\n')
            .Append("kind: Kustomization\n")
            .Append("resources:\n");
        foreach (var manifest in manifests)
        {
            text.Append("- ").Append(manifest.Name).Append('\n');
        }

        return new ManifestFile(KustomizationFileName, text.ToString());
    }
}
