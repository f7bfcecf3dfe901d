using System.Text.Json.Nodes;
using DigiUsher.Deployment.Tests.Keda;
using k8s;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// Rendered manifests parsed strictly against the Kubernetes API types (an unknown field or kind is
/// an error), with the KEDA types registered next to the built-in ones.
/// </summary>
internal sealed class Manifests
{
    /// <summary>Every apiVersion/kind the chart and the kustomize manifests may render.</summary>
    public static readonly IReadOnlyDictionary<string, Type> TypeMap = new Dictionary<string, Type>
    {
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Service"] = typeof(V1Service),
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["batch/v1/Job"] = typeof(V1Job),
        ["autoscaling/v2/HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["networking.k8s.io/v1/NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["networking.k8s.io/v1/Ingress"] = typeof(V1Ingress),
        ["keda.sh/v1alpha1/ScaledObject"] = typeof(V1Alpha1ScaledObject),
        ["keda.sh/v1alpha1/TriggerAuthentication"] = typeof(V1Alpha1TriggerAuthentication),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(PrometheusOperator.V1ServiceMonitor),
        ["monitoring.coreos.com/v1/PodMonitor"] = typeof(PrometheusOperator.V1PodMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusOperator.V1PrometheusRule),
    };

    private Manifests(IReadOnlyList<object> objects) => Objects = objects;

    public IReadOnlyList<object> Objects { get; }

    public static Manifests Parse(string yaml)
    {
        var objects = KubernetesYaml.LoadAllFromString(yaml, new Dictionary<string, Type>(TypeMap), strict: true);
        return new Manifests(objects.Where(o => o is not null).ToList());
    }

    public IEnumerable<T> OfKind<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"No {typeof(T).Name} named {name} was rendered.");

    /// <summary>Each object as JSON keyed by kind/namespace/name, for comparing two renderings.</summary>
    public IReadOnlyDictionary<string, JsonNode> ByIdentity(Action<JsonNode>? normalize = null)
    {
        var result = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var item in Objects.Cast<IKubernetesObject<V1ObjectMeta>>())
        {
            var node = JsonNode.Parse(KubernetesJson.Serialize(item))!;
            normalize?.Invoke(node);
            result.Add($"{item.Kind}/{item.Metadata.NamespaceProperty}/{item.Metadata.Name}", node);
        }

        return result;
    }
}
