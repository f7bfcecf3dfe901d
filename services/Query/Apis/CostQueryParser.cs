using DigiUsher.Query.Costs;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>Binds the parameters of <c>GET /api/v1/costs</c> to a <see cref="CostQuery"/>.</summary>
public static class CostQueryParser
{
    private static readonly string[] Plain = ["service", "account", "region", "resource", "usageType", "lineItemType", "owner", "day", "month"];

    private static readonly string[] Filterable = ["service", "account", "region", "resource", "usageType", "lineItemType", "owner"];

    /// <summary>The query of <c>GET /api/v1/costs</c> from its parameters.</summary>
    /// <exception cref="BadParameterException">A parameter names no metric, dimension or filter, or breaks a limit.</exception>
    public static CostQuery Parse(Guid organizationId, IQueryCollection query, ApiOptions options, DateOnly today)
    {
        var (from, to) = QueryParameters.Period(query, options, today);
        var metricText = QueryParameters.Single(query, "metric") ?? "unblended";
        if (!CostQuery.Metrics.TryGetValue(metricText, out var metric))
        {
            throw new BadParameterException("metric", $"Unknown metric '{metricText}'; use one of unblended, net_unblended, amortized, blended, usage_amount.");
        }

        var groupBy = new List<CostDimension>();
        foreach (var name in QueryParameters.Values(query["groupBy"]).Where(v => v.Length > 0))
        {
            var dimension = Dimension(name) ?? throw new BadParameterException("groupBy",
                $"Unknown groupBy '{name}'; use up to three of {string.Join(", ", Plain)}, tag:KEY.");
            if (groupBy.Contains(dimension))
            {
                throw new BadParameterException("groupBy", $"groupBy '{name}' is given twice.");
            }

            groupBy.Add(dimension);
        }

        if (groupBy.Count > 3)
        {
            throw new BadParameterException("groupBy", "groupBy takes at most three dimensions.");
        }

        var filters = new List<(CostDimension, IReadOnlyList<string>)>();
        foreach (var (key, values) in query)
        {
            if (Filterable.Contains(key, StringComparer.OrdinalIgnoreCase) || key.StartsWith("tag:", StringComparison.OrdinalIgnoreCase))
            {
                var dimension = Dimension(key) ?? throw new BadParameterException(key, $"'{key}' is not a filter; tag filters are written tag:KEY=VALUE.");
                filters.Add((dimension, QueryParameters.Values(values).Distinct(StringComparer.Ordinal).ToList()));
            }
        }

        return new CostQuery(organizationId, from, to, metric, groupBy, filters, QueryParameters.Guid(query, "dataSourceId"), QueryParameters.Limit(query, options));
    }

    private static CostDimension? Dimension(string name)
    {
        if (name.StartsWith("tag:", StringComparison.OrdinalIgnoreCase))
        {
            var key = name[4..];
            return key.Length == 0 ? null : new CostDimension("tag:" + key, key);
        }

        var known = Plain.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
        return known is null ? null : new CostDimension(known, null);
    }
}
