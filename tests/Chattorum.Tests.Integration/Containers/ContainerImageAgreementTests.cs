using Chattorum.Tests.Support;
using k8s.Models;
using k8s;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// The committed manifests run the images the projects build: a Deployment's image is exactly
/// <c>{ContainerRepository}:{ContainerImageTag}</c> as the SDK computes it from the project, so that
/// `dotnet publish -t:PublishContainer` and `kubectl apply` agree without a flag to keep in step.
/// </summary>
[Collection(ContainersCollection.Name)]
public class ContainerImageAgreementTests(ContainerConfigFixture fixture)
{
    private static readonly string[] ManifestFolders = ["deploy/k8s", "deploy/k8s-redis-cluster"];

    public static TheoryData<string, ServiceImage> Rows()
    {
        var rows = new TheoryData<string, ServiceImage>();
        foreach (var folder in ManifestFolders)
        {
            foreach (var service in ServiceImages.All)
            {
                rows.Add(folder, service);
            }
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_committed_deployment_runs_the_image_the_project_builds(string folder, ServiceImage service)
    {
        var config = fixture[service];
        var container = Assert.Single(CommittedDeployment(folder, service.Deployment).Spec.Template.Spec.Containers);

        Assert.Equal(config.Image, container.Image);
        Assert.All(container.Ports, port => Assert.Contains(new ContainerPortSpec(port.ContainerPort, (port.Protocol ?? "TCP").ToLowerInvariant()), config.Ports));
    }

    private static V1Deployment CommittedDeployment(string folder, string name)
    {
        var deployments = Directory.GetFiles(Path.Combine(Repository.Root, folder), "*.yaml")
            .SelectMany(file => KubernetesYaml.LoadAllFromString(File.ReadAllText(file)))
            .OfType<V1Deployment>()
            .Where(deployment => deployment.Metadata.Name == name);
        return Assert.Single(deployments);
    }
}
