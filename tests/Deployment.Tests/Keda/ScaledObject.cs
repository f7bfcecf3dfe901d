using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DigiUsher.Deployment.Tests.Keda;

/// <summary>
/// KEDA v2 <c>ScaledObject</c> (keda.sh/v1alpha1), field for field as KEDA's CRD declares the spec
/// (https://keda.sh/docs/2.17/reference/scaledobject-spec/), so that strict parsing rejects a
/// misspelled or misplaced field the way the API server would.
/// </summary>
public sealed class V1Alpha1ScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeApiVersion = "v1alpha1";
    public const string KubeGroup = "keda.sh";
    public const string KubeKind = "ScaledObject";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{KubeGroup}/{KubeApiVersion}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")]
    public ScaleTarget ScaleTargetRef { get; set; } = new();

    [JsonPropertyName("pollingInterval")]
    public int? PollingInterval { get; set; }

    [JsonPropertyName("initialCooldownPeriod")]
    public int? InitialCooldownPeriod { get; set; }

    [JsonPropertyName("cooldownPeriod")]
    public int? CooldownPeriod { get; set; }

    [JsonPropertyName("idleReplicaCount")]
    public int? IdleReplicaCount { get; set; }

    [JsonPropertyName("minReplicaCount")]
    public int? MinReplicaCount { get; set; }

    [JsonPropertyName("maxReplicaCount")]
    public int? MaxReplicaCount { get; set; }

    [JsonPropertyName("advanced")]
    public AdvancedConfig? Advanced { get; set; }

    [JsonPropertyName("triggers")]
    public IList<ScaleTriggers> Triggers { get; set; } = [];

    [JsonPropertyName("fallback")]
    public Fallback? Fallback { get; set; }
}

public sealed class ScaleTarget
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("envSourceContainerName")]
    public string? EnvSourceContainerName { get; set; }
}

public sealed class AdvancedConfig
{
    [JsonPropertyName("horizontalPodAutoscalerConfig")]
    public HorizontalPodAutoscalerConfig? HorizontalPodAutoscalerConfig { get; set; }

    [JsonPropertyName("restoreToOriginalReplicaCount")]
    public bool? RestoreToOriginalReplicaCount { get; set; }

    [JsonPropertyName("scalingModifiers")]
    public ScalingModifiers? ScalingModifiers { get; set; }
}

public sealed class HorizontalPodAutoscalerConfig
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("behavior")]
    public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}

public sealed class ScalingModifiers
{
    [JsonPropertyName("formula")]
    public string? Formula { get; set; }

    [JsonPropertyName("target")]
    public string? Target { get; set; }

    [JsonPropertyName("activationTarget")]
    public string? ActivationTarget { get; set; }

    [JsonPropertyName("metricType")]
    public string? MetricType { get; set; }
}

public sealed class ScaleTriggers
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("useCachedMetrics")]
    public bool? UseCachedMetrics { get; set; }

    [JsonPropertyName("metadata")]
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();

    [JsonPropertyName("authenticationRef")]
    public AuthenticationRef? AuthenticationRef { get; set; }

    [JsonPropertyName("metricType")]
    public string? MetricType { get; set; }
}

public sealed class AuthenticationRef
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }
}

public sealed class Fallback
{
    [JsonPropertyName("failureThreshold")]
    public int FailureThreshold { get; set; }

    [JsonPropertyName("replicas")]
    public int Replicas { get; set; }

    [JsonPropertyName("behavior")]
    public string? Behavior { get; set; }
}
