using System.Diagnostics.Metrics;
using DigiUsher.ServiceDefaults.Telemetry;

namespace DigiUsher.Query.Imports;

/// <summary>Query's instruments (<see cref="Instruments"/>): daily cost lines loaded, imports refused for mismatched totals.</summary>
public sealed class CostMetrics(ServiceMeter meter)
{
    private readonly Counter<long> _loaded = meter.Counter(Instruments.CostsLoaded);
    private readonly Counter<long> _mismatched = meter.Counter(Instruments.CostsMismatched);

    public void Recorded(CostLoadResult result)
    {
        if (result.Outcome == CostLoadOutcome.Loaded)
        {
            _loaded.Add(result.Lines);
        }
        else if (result.Outcome == CostLoadOutcome.Mismatch)
        {
            _mismatched.Add(1);
        }
    }
}
