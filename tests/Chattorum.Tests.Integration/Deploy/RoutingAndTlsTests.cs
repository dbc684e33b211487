using Chattorum.Deploy;
using k8s;
using k8s.Models;
using static Chattorum.Tests.Integration.Deploy.DeployWiringTests;

namespace Chattorum.Tests.Integration.Deploy;

/// <summary>
/// How clients reach the chat: the Gateway API variant (committed in deploy/k8s-gateway/) routes to the application's
/// Service without a request deadline that would cut WebSockets; with a host, both routings terminate TLS with the
/// certificate's Secret, which cert-manager fills when given an issuer.
/// </summary>
[Collection(DeployCollection.Name)]
public class RoutingAndTlsTests(AspireManifestFixture fixture)
{
    [Fact]
    public void The_gateway_variant_routes_to_the_applications_Service_port_without_a_request_deadline()
    {
        var objects = KubernetesManifestTests.CommittedObjects(AspireManifestFixture.CommittedGatewayFolder).Select(o => o.Object).ToList();
        AssertWired(objects, GeneratedSecrets(fixture.Manifest, new DeployOptions { Routing = Routing.Gateway }));
        Assert.Empty(objects.OfType<V1Ingress>());

        var gateway = Assert.Single(objects.OfType<Gateway>());
        var route = Assert.Single(objects.OfType<HttpRoute>());
        Assert.Equal(DeployOptions.DefaultGatewayClass, gateway.Spec.GatewayClassName);
        var listener = Assert.Single(gateway.Spec.Listeners);
        Assert.Equal(("HTTP", 80, null), (listener.Protocol, listener.Port, listener.Tls));

        var parent = Assert.Single(route.Spec.ParentRefs);
        Assert.Equal((gateway.Metadata.Name, listener.Name), (parent.Name, parent.SectionName));
        var rule = Assert.Single(route.Spec.Rules);
        Assert.Equal("0s", rule.Timeouts?.Request);
        var match = Assert.Single(rule.Matches);
        Assert.Equal(("PathPrefix", "/"), (match.Path.Type, match.Path.Value));

        // The backend is the application's Service, on its one port, whose target is the container's HTTP port.
        var backend = Assert.Single(rule.BackendRefs);
        var service = Named<V1Service>(objects, backend.Name);
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(backend.Port, port.Port);
        var deployment = Named<V1Deployment>(objects, backend.Name);
        Assert.True(Selects(service.Spec.Selector, deployment.Spec.Template.Metadata.Labels));
        Assert.Contains(deployment.Spec.Template.Spec.Containers.Single().Ports, p => p.Name == port.TargetPort.Value && p.Name == "http");
    }

    [Fact]
    public void The_gateway_variant_differs_from_deploy_k8s_only_in_its_routes_and_the_namespace_its_proxies_come_from()
    {
        static IEnumerable<string> Describe(string folder) => KubernetesManifestTests.CommittedObjects(folder)
            .Where(o => o.Object is not (V1Ingress or Gateway or HttpRoute or V1NetworkPolicy))
            .Select(o => $"{o.File}: {KubernetesYaml.Serialize(o.Object)}");

        Assert.Equal(Describe(AspireManifestFixture.CommittedFolder), Describe(AspireManifestFixture.CommittedGatewayFolder));
    }

    [Fact]
    public void With_a_host_and_an_issuer_the_Ingress_asks_cert_manager_for_the_certificate_of_its_TLS_section()
    {
        var objects = Generate(new DeployOptions { IngressHost = "chat.example.com", ClusterIssuer = "letsencrypt-prod" });
        var ingress = Named<V1Ingress>(objects, "chatapi");

        var tls = Assert.Single(ingress.Spec.Tls);
        Assert.Equal(["chat.example.com"], tls.Hosts);
        Assert.Equal("chatapi-tls", tls.SecretName);
        Assert.Equal("letsencrypt-prod", ingress.Metadata.Annotations[KubernetesGenerator.CertManagerClusterIssuerAnnotation]);
        Assert.Equal("chat.example.com", ingress.Spec.Rules.Single().Host);
        // Idle WebSockets: an hour of silence before nginx closes one (ChatApi pings every 54 s anyway).
        Assert.Equal(KubernetesGenerator.WebSocketTimeoutSeconds, ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]);

        var withoutIssuer = Named<V1Ingress>(Generate(new DeployOptions { IngressHost = "chat.example.com" }), "chatapi");
        Assert.Equal("chatapi-tls", Assert.Single(withoutIssuer.Spec.Tls).SecretName);
        Assert.DoesNotContain(KubernetesGenerator.CertManagerClusterIssuerAnnotation, withoutIssuer.Metadata.Annotations.Keys);

        Assert.Null(Named<V1Ingress>(Generate(new DeployOptions()), "chatapi").Spec.Tls);
    }

    [Fact]
    public void With_a_host_the_Gateway_terminates_TLS_with_the_certificate_cert_manager_issues()
    {
        var objects = Generate(new DeployOptions { Routing = Routing.Gateway, IngressHost = "chat.example.com", ClusterIssuer = "letsencrypt-prod" });
        var gateway = Assert.Single(objects.OfType<Gateway>());
        var route = Assert.Single(objects.OfType<HttpRoute>());
        var certificate = Assert.Single(objects.OfType<Certificate>());

        var listener = Assert.Single(gateway.Spec.Listeners);
        Assert.Equal(("HTTPS", 443, "chat.example.com"), (listener.Protocol, listener.Port, listener.Hostname));
        Assert.Equal("Terminate", listener.Tls?.Mode);
        var secret = Assert.Single(listener.Tls!.CertificateRefs);
        Assert.Equal(("Secret", certificate.Spec.SecretName), (secret.Kind, secret.Name));
        Assert.Equal(["chat.example.com"], certificate.Spec.DnsNames);
        Assert.Equal(("letsencrypt-prod", "ClusterIssuer"), (certificate.Spec.IssuerRef.Name, certificate.Spec.IssuerRef.Kind));
        Assert.Equal(["chat.example.com"], route.Spec.Hostnames);
        Assert.Equal(listener.Name, route.Spec.ParentRefs.Single().SectionName);

        // The Gateway's proxies, not the ingress controller, are let in to the chat.
        var policy = Named<V1NetworkPolicy>(objects, "chatapi-from-ingress");
        Assert.Equal(DeployOptions.DefaultGatewayNamespace, policy.Spec.Ingress.Single().FromProperty.Single().NamespaceSelector.MatchLabels[KubernetesGenerator.NamespaceNameLabel]);
    }

    [Fact]
    public void The_ingress_namespace_option_names_the_namespace_the_chat_is_reached_from()
    {
        var objects = Generate(new DeployOptions { IngressNamespace = "traefik" });

        var policy = Named<V1NetworkPolicy>(objects, "chatapi-from-ingress");
        Assert.Equal("traefik", policy.Spec.Ingress.Single().FromProperty.Single().NamespaceSelector.MatchLabels[KubernetesGenerator.NamespaceNameLabel]);
    }

    private List<IKubernetesObject> Generate(DeployOptions options) =>
        new KubernetesGenerator(fixture.Manifest, options).Generate().SelectMany(file => KubernetesManifestTests.Parse(file.Content)).ToList();
}
