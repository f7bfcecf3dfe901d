using DigiUsher.Query.Costs;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>
/// Binds the parameters of <c>GET /api/v1/costs</c> (and its export) to a <see cref="CostQuery"/>: one metric,
/// <c>day</c>/<c>month</c> among the groups as the time buckets, and filters of exact values.
/// </summary>
public static class CostQueryParser
{
    /// <summary>The metrics the GET takes, snake_case as it always has.</summary>
    public static readonly IReadOnlyList<string> MetricNames = ["unblended", "net_unblended", "amortized", "net_amortized", "blended", "public_on_demand", "usage_amount"];

    private static readonly string[] Filterable = ["service", "account", "region", "resource", "usageType", "lineItemType", "owner"];

    /// <summary>The query of <c>GET /api/v1/costs</c> from its parameters.</summary>
    /// <exception cref="BadParameterException">A parameter names no metric, dimension or filter, or breaks a limit.</exception>
    public static CostQuery Parse(Guid organizationId, IQueryCollection query, ApiOptions options, DateOnly today)
    {
        var (from, to) = QueryParameters.Period(query, options, today);
        var metricText = QueryParameters.Single(query, "metric") ?? "unblended";
        var metric = Metric(metricText)
            ?? throw new BadParameterException("metric", $"Unknown metric '{metricText}'; use one of {string.Join(", ", MetricNames)}.", MetricNames);

        var groupBy = new List<CostDimension>();
        var time = new List<string>();
        foreach (var name in QueryParameters.Values(query["groupBy"]).Where(v => v.Length > 0))
        {
            if (name is "day" or "month")
            {
                if (time.Contains(name))
                {
                    throw new BadParameterException("groupBy", $"groupBy '{name}' is given twice.");
                }

                time.Add(name);
                continue;
            }

            var dimension = CostDimension.Parse(name) ?? throw new BadParameterException("groupBy",
                $"Unknown groupBy '{name}'; use up to three of {CostDimension.Allowed}, day, month.", [.. CostDimension.PlainNames, "day", "month", "tag:KEY", "costCategory:NAME"]);
            if (groupBy.Contains(dimension))
            {
                throw new BadParameterException("groupBy", $"groupBy '{name}' is given twice.");
            }

            groupBy.Add(dimension);
        }

        if (groupBy.Count + time.Count > CostQuery.MaxGroupBy)
        {
            throw new BadParameterException("groupBy", $"groupBy takes at most {CostQuery.MaxGroupBy} dimensions.");
        }

        var filters = new List<CostFilter>();
        foreach (var (key, values) in query)
        {
            if (Filterable.Contains(key, StringComparer.OrdinalIgnoreCase) || key.StartsWith(CostDimension.TagPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var dimension = CostDimension.Parse(key) ?? throw new BadParameterException(key, $"'{key}' is not a filter; tag filters are written tag:KEY=VALUE.");
                filters.Add(new MatchFilter(dimension, MatchOperator.In, [.. QueryParameters.Values(values).Distinct(StringComparer.Ordinal)]));
            }
        }

        var granularity = time.Contains("day") ? CostGranularity.Day : time.Contains("month") ? CostGranularity.Month : CostGranularity.Total;
        return new CostQuery(
            organizationId, new CostRange(from, to), granularity, [metric], groupBy, filters.Count == 0 ? null : new AndFilter(filters),
            ComparePrevious: false, QueryParameters.Guid(query, "dataSourceId"), QueryParameters.Limit(query, options));
    }

    /// <summary>The names of the GET's group keys, in its groupBy order.</summary>
    public static IReadOnlyList<string> Keys(IQueryCollection query) =>
        [.. QueryParameters.Values(query["groupBy"]).Where(v => v.Length > 0).Select(name => name is "day" or "month" ? name : CostDimension.Parse(name)!.Name)];

    /// <summary>The GET's group keys of an item, in its groupBy order (day and month from the item's bucket).</summary>
    public static IReadOnlyDictionary<string, string> Keys(IQueryCollection query, CostItem item)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in QueryParameters.Values(query["groupBy"]).Where(v => v.Length > 0))
        {
            if (name is "day" or "month")
            {
                keys[name] = name == "month" ? item.Time![..7] : item.Time!;
            }
            else
            {
                var dimension = CostDimension.Parse(name)!;
                keys[dimension.Name] = item.Keys[dimension.Name];
            }
        }

        return keys;
    }

    /// <summary>A metric as the GETs name it (snake_case; camelCase is taken too); null when none is.</summary>
    public static CostMetric? Metric(string name) => name.ToLowerInvariant() switch
    {
        "usage_amount" or "usageamount" => CostMetric.UsageAmountAllUnits,
        var other => CostMetric.All.FirstOrDefault(m => !m.IsUsage && (m.Column == other || m.Name.Equals(other, StringComparison.OrdinalIgnoreCase))),
    };
}
