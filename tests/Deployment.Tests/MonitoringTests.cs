using System.Text.Json;
using System.Text.RegularExpressions;
using DigiUsher.Deployment.Tests.PrometheusOperator;
using DigiUsher.ServiceDefaults.Telemetry;
using DigiUsher.Testing;
using k8s.Models;

namespace DigiUsher.Deployment.Tests;

/// <summary>
/// The chart's dashboards and alerts may name only metrics something exports: DigiUsher's own
/// instruments (declared in <see cref="Instruments"/>, the only way the code makes one, under the
/// exporter's names that a real scrape confirms) and the exporters listed here.
/// </summary>
public partial class MonitoringTests
{
    /// <summary>Metrics other exporters provide: ASP.NET Core's request histogram (through our OpenTelemetry exporter) and kube-state-metrics.</summary>
    public static readonly HashSet<string> ExternalMetrics =
    [
        "http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_count",
        "kube_horizontalpodautoscaler_status_current_replicas", "kube_horizontalpodautoscaler_status_desired_replicas",
        "kube_horizontalpodautoscaler_spec_max_replicas",
    ];

    private static readonly HashSet<string> PromQlWords =
    [
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan",
    ];

    private static Task<string> RenderAllAsync() => KubernetesTools.TemplateAsync(
        "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.podMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true");

    [Fact]
    public async Task DashboardsAndAlerts_WhenRendered_NameOnlyExportedMetrics()
    {
        var manifests = Manifests.Parse(await RenderAllAsync());
        var expressions = DashboardExpressions(manifests).Concat(AlertExpressions(manifests)).ToList();
        var exported = Instruments.All.SelectMany(i => i.PrometheusSeries).Concat(ExternalMetrics).ToHashSet();

        var named = expressions.SelectMany(e => MetricNames(e.Expression).Select(name => (e.Where, Name: name))).ToList();
        var unknown = named.Where(n => !exported.Contains(n.Name)).Select(n => $"{n.Where}: {n.Name}").Distinct().ToList();

        Assert.True(expressions.Count >= 30, $"only {expressions.Count} expressions found");
        Assert.True(unknown.Count == 0, "dashboards or alerts name metrics nothing exports: " + string.Join("; ", unknown));
        var used = named.Select(n => n.Name).ToHashSet();
        var unused = Instruments.All.Where(i => !i.PrometheusSeries.Any(used.Contains)).Select(i => i.Name).ToList();
        Assert.True(unused.Count == 0, "instruments no dashboard or alert shows: " + string.Join(", ", unused));
    }

    [Theory]
    [InlineData("sum by (pod) (rate(digiusher_import_rows_total{cur_format=\"parquet\"}[1m]))", new[] { "digiusher_import_rows_total" })]
    [InlineData("histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))", new[] { "http_server_request_duration_seconds_bucket" })]
    [InlineData("(a_b >= on (namespace, hpa) c_d) and on () (max(deriv(e_f{queue=\"x\"}[15m])) > 0)", new[] { "a_b", "c_d", "e_f" })]
    public void MetricNames_WhenReadFromPromQl_AreTheSeriesSelectedAndNothingElse(string expression, string[] expected)
    {
        Assert.Equal(expected.Order(), MetricNames(expression).Order());
    }

    [Fact]
    public async Task Monitors_WhenEnabled_ScrapeMetricsOfEveryServiceAndLabelItsComponent()
    {
        var manifests = Manifests.Parse(await RenderAllAsync());

        var serviceMonitor = Assert.Single(manifests.OfKind<V1ServiceMonitor>());
        var podMonitor = Assert.Single(manifests.OfKind<V1PodMonitor>());
        var components = manifests.OfKind<V1Deployment>().Select(d => d.Spec.Template.Metadata.Labels["app.kubernetes.io/component"]).Order().ToList();
        Assert.Equal(components, serviceMonitor.Spec.Selector.MatchExpressions.Single().Values.Order());
        Assert.Equal(components, podMonitor.Spec.Selector.MatchExpressions.Single().Values.Order());
        foreach (var endpoint in serviceMonitor.Spec.Endpoints.Concat(podMonitor.Spec.PodMetricsEndpoints))
        {
            Assert.Equal(("http", "/metrics"), (endpoint.Port, endpoint.Path));
            Assert.Contains(endpoint.Relabelings!, r => r.TargetLabel == "component");
        }

        Assert.NotEmpty(Assert.Single(manifests.OfKind<V1PrometheusRule>()).Spec.Groups);
        foreach (var policy in manifests.OfKind<V1NetworkPolicy>().Where(p => p.Metadata.Name != "digiusher-migrations"))
        {
            Assert.Contains(policy.Spec.Ingress, rule => rule.FromProperty.Any(peer =>
                peer.NamespaceSelector?.MatchLabels?.TryGetValue("kubernetes.io/metadata.name", out var ns) == true && ns == "monitoring"));
        }
    }

    [Fact]
    public async Task Dashboards_WhenRendered_AreConfigMapsForGrafanasSidecarAndOffWhenSwitchedOff()
    {
        var manifests = Manifests.Parse(await KubernetesTools.TemplateAsync());
        var dashboards = manifests.OfKind<V1ConfigMap>().Where(c => c.Metadata.Labels.ContainsKey("grafana_dashboard")).ToList();
        var files = Directory.GetFiles(Path.Combine(KubernetesTools.Chart, "dashboards"), "*.json").Select(Path.GetFileName).Order().ToList();

        Assert.Equal(files, dashboards.SelectMany(d => d.Data.Keys).Order());
        Assert.All(dashboards, d => Assert.Equal("1", d.Metadata.Labels["grafana_dashboard"]));
        Assert.Empty(manifests.OfKind<V1ServiceMonitor>());
        Assert.Empty(manifests.OfKind<V1PrometheusRule>());
        var off = Manifests.Parse(await KubernetesTools.TemplateAsync("--set", "metrics.dashboards.enabled=false"));
        Assert.DoesNotContain(off.OfKind<V1ConfigMap>(), c => c.Metadata.Labels.ContainsKey("grafana_dashboard"));
    }

    [Fact]
    public void ComposeAlertRules_WhenLoaded_AreTheChartsFile()
    {
        var compose = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "docker-compose.yml"));

        Assert.Contains("./charts/digiusher/files/alerts.yaml:/etc/prometheus/rules/digiusher.yaml:ro", compose, StringComparison.Ordinal);
        Assert.Contains("./charts/digiusher/dashboards:/var/lib/grafana/dashboards/digiusher:ro", compose, StringComparison.Ordinal);
    }

    private static IEnumerable<(string Where, string Expression)> DashboardExpressions(Manifests manifests)
    {
        foreach (var map in manifests.OfKind<V1ConfigMap>().Where(c => c.Metadata.Labels.ContainsKey("grafana_dashboard")))
        {
            foreach (var (file, json) in map.Data)
            {
                using var dashboard = JsonDocument.Parse(json);
                foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
                {
                    foreach (var target in panel.GetProperty("targets").EnumerateArray())
                    {
                        yield return ($"{file} / {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString()!);
                    }
                }
            }
        }
    }

    private static IEnumerable<(string Where, string Expression)> AlertExpressions(Manifests manifests) =>
        manifests.OfKind<V1PrometheusRule>().SelectMany(r => r.Spec.Groups).SelectMany(g => g.Rules)
            .Select(r => ($"alert {r.Alert ?? r.Record}", r.Expr));

    /// <summary>
    /// The metric names a PromQL expression selects: what is left once strings, label matchers,
    /// ranges, grouping clauses, function calls, keywords and numbers are taken out.
    /// </summary>
    public static IEnumerable<string> MetricNames(string expression)
    {
        var text = Strings().Replace(expression, " ");
        text = Matchers().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        return Identifiers().Matches(text)
            .Where(m => !IsCall(text, m) && !PromQlWords.Contains(m.Value))
            .Select(m => m.Value)
            .Distinct();
    }

    private static bool IsCall(string text, Match m) => text[(m.Index + m.Length)..].TrimStart().StartsWith('(');

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifiers();
}
