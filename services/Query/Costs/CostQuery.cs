using System.Globalization;

namespace DigiUsher.Query.Costs;

/// <summary>A validated cost query (both <c>GET /api/v1/costs</c> and <c>POST /api/v1/costs/query</c> come to this).</summary>
/// <param name="OrganizationId">The tenant: every statement is bound to it.</param>
/// <param name="Range">The usage days asked for.</param>
/// <param name="Granularity">The time buckets.</param>
/// <param name="Metrics">What is summed (at least one; the first orders the groups).</param>
/// <param name="GroupBy">Up to three dimensions.</param>
/// <param name="Filter">Which costs count; null for all.</param>
/// <param name="ComparePrevious">Also sum <see cref="CostRange.Previous"/> per group.</param>
/// <param name="DataSourceId">Only this data source.</param>
/// <param name="Limit">Groups per page.</param>
public sealed record CostQuery(
    Guid OrganizationId,
    CostRange Range,
    CostGranularity Granularity,
    IReadOnlyList<CostMetric> Metrics,
    IReadOnlyList<CostDimension> GroupBy,
    CostFilter? Filter,
    bool ComparePrevious,
    Guid? DataSourceId,
    int Limit)
{
    public const int MaxGroupBy = 3;

    public CostRange? PreviousRange => ComparePrevious ? Range.Previous() : null;

    /// <summary>From the previous period's first day (when comparing) to the range's last: the billing periods and hours an answer may read.</summary>
    public CostRange ReadRange => PreviousRange is { } previous ? new CostRange(previous.From, Range.To) : Range;

    public bool HasUsage => Metrics.Any(m => m.IsUsage);

    /// <summary>Every dimension the query reads, grouped or filtered.</summary>
    public IEnumerable<CostDimension> Dimensions => GroupBy.Concat(Filter?.Dimensions ?? []);

    /// <summary>Canonical text of the query, for binding cursors to it.</summary>
    public string Fingerprint => string.Join('|',
        "v2", OrganizationId, CostRange.Text(Range.From), CostRange.Text(Range.To), Granularity, string.Join(',', Metrics.Select(m => m.Name)),
        string.Join(',', GroupBy.Select(g => $"{g.Name.Length}:{g.Name}")), Filter?.Fingerprint, ComparePrevious, DataSourceId,
        Limit.ToString(CultureInfo.InvariantCulture));
}
