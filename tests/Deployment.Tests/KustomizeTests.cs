using System.Text.Json.Nodes;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

public class KustomizeTests
{
    [Theory]
    [InlineData("deploy/base")]
    [InlineData("deploy/overlays/production")]
    public async Task Kustomize_WhenBuilt_EveryObjectParsesStrictlyAsItsKubernetesType(string folder)
    {
        var manifests = Manifests.Parse(await KubernetesTools.KustomizeAsync(folder));

        Assert.Equal(6, manifests.OfKind<V1Deployment>().Count());
        Assert.Equal(7, manifests.OfKind<V1Job>().Count()); // six migrations and rabbitmq-users
        Assert.Single(manifests.OfKind<Keda.V1Alpha1ScaledObject>());
        Assert.DoesNotContain(manifests.OfKind<V1ConfigMap>(), c => c.Metadata.Name == "production-settings");
    }

    [Fact]
    public async Task Base_WhenBuilt_IsTheChartRenderedWithItsDefaultValues()
    {
        var chart = Manifests.Parse(await KubernetesTools.TemplateAsync()).ByIdentity();
        var kustomized = Manifests.Parse(await KubernetesTools.KustomizeAsync("deploy/base")).ByIdentity();

        AssertSameObjects(chart, kustomized, "run deploy/render after changing the chart");
    }

    [Fact]
    public async Task ProductionOverlay_WhenBuilt_IsTheChartRenderedWithTheProductionValues()
    {
        // Kustomize has no hash of a ConfigMap in the pod template; everything else must match.
        static void WithoutConfigChecksum(JsonNode node) =>
            node["spec"]?["template"]?["metadata"]?["annotations"]?.AsObject().Remove("checksum/config");

        var chart = Manifests.Parse(await KubernetesTools.TemplateAsync("-f", KubernetesTools.ProductionValues)).ByIdentity(WithoutConfigChecksum);
        var kustomized = Manifests.Parse(await KubernetesTools.KustomizeAsync("deploy/overlays/production")).ByIdentity(WithoutConfigChecksum);

        AssertSameObjects(chart, kustomized, "charts/digiusher/values-production.yaml and deploy/overlays/production differ");
    }

    private static void AssertSameObjects(IReadOnlyDictionary<string, JsonNode> expected, IReadOnlyDictionary<string, JsonNode> actual, string hint)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var different = expected.Keys.Where(k => !JsonNode.DeepEquals(expected[k], actual[k])).ToList();
        Assert.True(different.Count == 0,
            $"{hint}: {string.Join(", ", different)}\n" + string.Join("\n", different.Take(1).Select(k => $"chart:\n{expected[k]}\nkustomize:\n{actual[k]}")));
    }
}
