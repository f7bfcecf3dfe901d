using System.ComponentModel;

namespace DigiUsher.Query.Apis;

/// <summary>The body of <c>POST /api/v1/costs/query</c> (and of the export and forecast, which take parts of it).</summary>
/// <param name="From">First usage day included (yyyy-MM-dd, UTC). Give <c>from</c> and <c>to</c>, or <c>window</c>; neither means the current month.</param>
/// <param name="To">Last usage day included.</param>
/// <param name="Window">A range relative to today (UTC): mtd (this month up to today), lastMonth, last30Days (the 30 days before today).</param>
/// <param name="Granularity">hour (the days the read model keeps hourly only), day, week (Monday to Sunday), month or total (default).</param>
/// <param name="Metrics">What is summed, in answer order (the first orders the groups): unblended (default), netUnblended, blended, amortized, netAmortized, publicOnDemand, usageAmount (per pricing unit).</param>
/// <param name="GroupBy">Up to three dimensions: service, account, region, usageType, lineItemType, pricingUnit, resource, owner, tag:KEY, costCategory:NAME.</param>
/// <param name="Filter">Which costs count: an expression of and, or, not and leaves (see <see cref="CostFilterRequest"/>).</param>
/// <param name="CompareTo">previousPeriod: each group's amounts over the period before, and the change.</param>
/// <param name="DataSourceId">Only this data source.</param>
/// <param name="Limit">Groups per page.</param>
/// <param name="Cursor">The nextCursor of the previous page, with the same body otherwise.</param>
public sealed record CostQueryRequest(
    DateOnly? From = null,
    DateOnly? To = null,
    string? Window = null,
    string? Granularity = null,
    IReadOnlyList<string>? Metrics = null,
    IReadOnlyList<string>? GroupBy = null,
    CostFilterRequest? Filter = null,
    string? CompareTo = null,
    Guid? DataSourceId = null,
    int? Limit = null,
    string? Cursor = null);

/// <summary>
/// A node of a cost filter: exactly one of <c>and</c>, <c>or</c>, <c>not</c>, or a leaf naming one of
/// <c>dimension</c>, <c>tag</c>, <c>costCategory</c> with exactly one operator: <c>in</c> (exact values),
/// <c>startsWith</c> or <c>contains</c> (any of the texts, case-insensitive), <c>absent: true</c> (empty
/// value, missing tag or category).
/// </summary>
/// <param name="And">Every operand holds.</param>
/// <param name="Or">At least one operand holds.</param>
/// <param name="Not">The operand does not hold.</param>
/// <param name="Dimension">A plain dimension: service, account, region, usageType, lineItemType, pricingUnit, resource, owner.</param>
/// <param name="Tag">A resource tag key (as the CUR names it, without the user: prefix).</param>
/// <param name="CostCategory">A cost category name.</param>
/// <param name="In">The value is one of these ("" matches an empty value or a missing label).</param>
/// <param name="StartsWith">The value starts with one of these, case-insensitive.</param>
/// <param name="Contains">The value contains one of these, case-insensitive.</param>
/// <param name="Absent">true: the value is empty, the tag or category missing.</param>
[Description("A cost filter expression node.")]
public sealed record CostFilterRequest(
    IReadOnlyList<CostFilterRequest>? And = null,
    IReadOnlyList<CostFilterRequest>? Or = null,
    CostFilterRequest? Not = null,
    string? Dimension = null,
    string? Tag = null,
    string? CostCategory = null,
    IReadOnlyList<string>? In = null,
    IReadOnlyList<string>? StartsWith = null,
    IReadOnlyList<string>? Contains = null,
    bool? Absent = null);

/// <summary>The body of <c>POST /api/v1/costs/forecast</c>.</summary>
/// <param name="Metric">The cost metric forecast (default unblended; usageAmount has no forecast).</param>
/// <param name="Filter">Which costs count, as in a query.</param>
/// <param name="DataSourceId">Only this data source.</param>
public sealed record CostForecastRequest(string? Metric = null, CostFilterRequest? Filter = null, Guid? DataSourceId = null);
