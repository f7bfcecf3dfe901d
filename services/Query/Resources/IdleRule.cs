using DigiUsher.Contracts;

namespace DigiUsher.Query.Resources;

/// <summary>What the idle rule found in an instance's CPU history.</summary>
/// <param name="IsIdle">At least the minimum days of data in the window, every daily average below the threshold.</param>
/// <param name="Days">Days with CPU data in the window.</param>
/// <param name="Peak">The highest daily average in the window (0 without data).</param>
public sealed record IdleVerdict(bool IsIdle, int Days, double Peak);

/// <summary>
/// The one definition of an idle instance, used by the idle-instance finding and by the resource
/// list's <c>idle</c> filter: at least <paramref name="MinDays"/> days of CPU data since
/// <paramref name="WindowStart"/>, and every one of them below <paramref name="ThresholdPercent"/>.
/// </summary>
public sealed record IdleRule(double ThresholdPercent, int MinDays, DateOnly WindowStart)
{
    /// <summary>The rule as the findings options set it, for a window ending <paramref name="today"/>.</summary>
    public static IdleRule From(FindingsOptions options, DateOnly today) =>
        new(options.IdleCpuPercent, options.IdleMinDays, today.AddDays(-options.IdleWindowDays));

    public IdleVerdict Judge(IReadOnlyList<DailyCpu> cpu)
    {
        var window = cpu.Where(c => c.Day >= WindowStart).ToList();
        var peak = window.Count == 0 ? 0 : window.Max(c => c.Average);
        return new IdleVerdict(window.Count >= MinDays && window.All(c => c.Average < ThresholdPercent), window.Count, peak);
    }
}
