using System.Diagnostics.Metrics;
using DigiUsher.ServiceDefaults.Telemetry;

namespace DigiUsher.ResourceDiscovery.Discovery;

/// <summary>ResourceDiscovery's instruments (<see cref="Instruments"/>): run duration by outcome, resources found by kind.</summary>
public sealed class DiscoveryMetrics(ServiceMeter meter)
{
    private readonly Histogram<double> _duration = meter.Histogram(Instruments.DiscoveryDuration);
    private readonly Counter<long> _resources = meter.Counter(Instruments.DiscoveryResources);

    public void RunEnded(TimeSpan took, string outcome) =>
        _duration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>The resources of a completed run; kinds are the scanners' fixed set (ec2-instance, ebs-volume, ...).</summary>
    public void Found(IEnumerable<(string Kind, int Count)> kinds)
    {
        foreach (var (kind, count) in kinds)
        {
            _resources.Add(count, new KeyValuePair<string, object?>("resource.kind", kind));
        }
    }
}
