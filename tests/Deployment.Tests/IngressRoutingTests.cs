using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DigiUsher.Testing;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// The chart serves the whole public API: each service that publishes an OpenAPI document is
/// started for real, and every path of the document it serves (fetched through the route the
/// Ingress gives it) must reach that service through the rendered Ingress, by Kubernetes' Prefix
/// rules, and be let through by its NetworkPolicy from the ingress controller and from labelled
/// in-cluster callers. Internal endpoints, health checks and metrics must reach nothing.
/// </summary>
public partial class IngressRoutingTests
{
    [Fact]
    public async Task EveryDocumentedRoute_WhenRequestedThroughTheRenderedIngress_ReachesItsServiceAndIsAllowedByItsNetworkPolicy()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync());
        var ingress = Assert.Single(manifests.OfKind<V1Ingress>());
        var rules = Assert.Single(ingress.Spec.Rules).Http.Paths;
        var documented = rules.Where(r => r.Path.StartsWith("/openapi/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["data-source", "query", "resource-discovery"], documented.Select(r => r.Path["/openapi/".Length..]).Order());

        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var checkedPaths = 0;
        foreach (var rule in documented)
        {
            var component = rule.Path["/openapi/".Length..];
            var service = Project(component);
            var environment = ServiceProcess.EnvironmentFor(service, database, vhost);
            await ServiceProcess.MigrateAsync(service, environment);
            await using var process = await ServiceProcess.StartAsync(service, environment, readyTimeout: TimeSpan.FromSeconds(90));
            using var http = process.CreateClient();

            var documentPath = $"/openapi/{component}/v1.json";
            var referencePath = $"/scalar/{component}";
            Assert.Equal(rule.Backend.Service.Name, Route(rules, documentPath));
            Assert.Equal(rule.Backend.Service.Name, Route(rules, referencePath));
            using var document = JsonDocument.Parse(await http.GetStringAsync(documentPath));
            using var reference = await http.GetAsync(referencePath);
            Assert.Equal(HttpStatusCode.OK, reference.StatusCode);

            var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
            Assert.NotEmpty(paths);
            foreach (var path in paths)
            {
                var concrete = Parameter().Replace(path, "0f8fad5b-d9cb-469f-a165-70867728950e");
                Assert.True(Route(rules, concrete) == rule.Backend.Service.Name,
                    $"{service}: {path} does not reach {rule.Backend.Service.Name} through the Ingress (it reaches {Route(rules, concrete) ?? "nothing"})");
                checkedPaths++;
            }

            AssertAllowsIngressTraffic(manifests.Single<V1NetworkPolicy>(rule.Backend.Service.Name), component);
            await AssertClusterOnlyPathsRefusedThroughTheIngressAsync(http);
        }

        Assert.True(checkedPaths >= 20, $"only {checkedPaths} documented paths");

        // Every path no API claims reaches the console (routed at /), so its own health checks and
        // scrape endpoint must refuse what came through the ingress.
        var consoleEnvironment = ServiceProcess.EnvironmentFor("Console", database, vhost);
        await ServiceProcess.MigrateAsync("Console", consoleEnvironment);
        await using var console = await ServiceProcess.StartAsync("Console", consoleEnvironment, readyTimeout: TimeSpan.FromSeconds(90));
        using var consoleHttp = console.CreateClient();
        foreach (var hidden in ClusterOnlyPaths)
        {
            Assert.Equal("digiusher-console", Route(rules, hidden));
        }

        await AssertClusterOnlyPathsRefusedThroughTheIngressAsync(consoleHttp);
    }

    private static readonly string[] ClusterOnlyPaths =
        ["/internal/v1/imports/0f8fad5b-d9cb-469f-a165-70867728950e/daily-costs", "/health/ready", "/health/live", "/metrics"];

    // The ingress controller adds X-Forwarded-For to everything it proxies; kubelet probes and
    // Prometheus scrapes come straight to the pod.
    private static async Task AssertClusterOnlyPathsRefusedThroughTheIngressAsync(HttpClient http)
    {
        foreach (var path in ClusterOnlyPaths)
        {
            using var proxied = new HttpRequestMessage(HttpMethod.Get, path);
            proxied.Headers.Add("X-Forwarded-For", "203.0.113.5");
            using var response = await http.SendAsync(proxied);
            // 401 where the service's fallback policy refuses an anonymous caller first.
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized,
                $"{path} through the ingress answered {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
    }

    private static void AssertAllowsIngressTraffic(V1NetworkPolicy policy, string component)
    {
        Assert.Equal(component, policy.Spec.PodSelector.MatchLabels["app.kubernetes.io/component"]);
        var rules = policy.Spec.Ingress ?? [];
        Assert.Contains(rules, rule => rule.Ports.Any(p => p.Port.Value == "http")
            && rule.FromProperty.Any(peer => peer.NamespaceSelector?.MatchLabels?.TryGetValue("kubernetes.io/metadata.name", out var ns) == true && ns == "ingress-nginx"));
        Assert.Contains(rules, rule => rule.Ports.Any(p => p.Port.Value == "http")
            && rule.FromProperty.Any(peer => peer.PodSelector?.MatchLabels?.TryGetValue("digiusher.io/api-client", out var label) == true && label == "true"));
    }

    // Kubernetes' Prefix match: element-wise on '/', the longest matching path wins
    // (https://kubernetes.io/docs/concepts/services-networking/ingress/#path-types).
    private static string? Route(IEnumerable<V1HTTPIngressPath> rules, string requestPath)
    {
        var request = requestPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return rules
            .Select(r => (Rule: r, Elements: r.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)))
            .Where(r => r.Rule.PathType == "Prefix" && r.Elements.Length <= request.Length && r.Elements.SequenceEqual(request.Take(r.Elements.Length)))
            .OrderByDescending(r => r.Elements.Length)
            .Select(r => r.Rule.Backend.Service.Name)
            .FirstOrDefault();
    }

    private static string Project(string component) =>
        string.Concat(component.Split('-').Select(w => char.ToUpper(w[0], CultureInfo.InvariantCulture) + w[1..]));

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
