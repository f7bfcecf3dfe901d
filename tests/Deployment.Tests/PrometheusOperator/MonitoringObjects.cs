using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DigiUsher.Deployment.Tests.PrometheusOperator;

/// <summary>
/// The Prometheus Operator objects the chart renders (monitoring.coreos.com/v1,
/// https://prometheus-operator.dev/docs/api-reference/api/), with the fields we use: strict parsing
/// flags anything else until it is modelled here.
/// </summary>
public abstract class MonitoringObject<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "monitoring.coreos.com/v1";

    [JsonPropertyName("kind")]
    public abstract string Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();
}

public sealed class V1ServiceMonitor : MonitoringObject<ServiceMonitorSpec>
{
    public override string Kind { get; set; } = "ServiceMonitor";
}

public sealed class V1PodMonitor : MonitoringObject<PodMonitorSpec>
{
    public override string Kind { get; set; } = "PodMonitor";
}

public sealed class V1PrometheusRule : MonitoringObject<PrometheusRuleSpec>
{
    public override string Kind { get; set; } = "PrometheusRule";
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("endpoints")]
    public IList<MetricsEndpoint> Endpoints { get; set; } = [];
}

public sealed class PodMonitorSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("podMetricsEndpoints")]
    public IList<MetricsEndpoint> PodMetricsEndpoints { get; set; } = [];
}

public sealed class MetricsEndpoint
{
    [JsonPropertyName("port")]
    public string Port { get; set; } = string.Empty;

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("relabelings")]
    public IList<Relabeling>? Relabelings { get; set; }
}

public sealed class Relabeling
{
    [JsonPropertyName("sourceLabels")]
    public IList<string>? SourceLabels { get; set; }

    [JsonPropertyName("targetLabel")]
    public string? TargetLabel { get; set; }

    [JsonPropertyName("action")]
    public string? Action { get; set; }

    [JsonPropertyName("regex")]
    public string? Regex { get; set; }

    [JsonPropertyName("replacement")]
    public string? Replacement { get; set; }
}

public sealed class PrometheusRuleSpec
{
    [JsonPropertyName("groups")]
    public IList<RuleGroup> Groups { get; set; } = [];
}

public sealed class RuleGroup
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("rules")]
    public IList<Rule> Rules { get; set; } = [];
}

public sealed class Rule
{
    [JsonPropertyName("alert")]
    public string? Alert { get; set; }

    [JsonPropertyName("record")]
    public string? Record { get; set; }

    [JsonPropertyName("expr")]
    public string Expr { get; set; } = string.Empty;

    [JsonPropertyName("for")]
    public string? For { get; set; }

    [JsonPropertyName("labels")]
    public IDictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    public IDictionary<string, string>? Annotations { get; set; }
}
