using System.Globalization;
using DigiUsher.Query.Data;

namespace DigiUsher.Query.Costs;

/// <summary>A grouping or filtering dimension of cost queries.</summary>
/// <param name="Name">As the client writes it (<c>service</c>, <c>tag:team</c>).</param>
/// <param name="TagKey">For <c>tag:KEY</c>, the key as CurParser keys it.</param>
public sealed record CostDimension(string Name, string? TagKey)
{
    /// <summary>Dimensions the per-day/service/account/region aggregate can answer.</summary>
    public bool InAggregate => Name is "service" or "account" or "region" or "day" or "month";

    public bool IsTime => Name is "day" or "month";
}

/// <summary>A validated <c>GET /api/v1/costs</c> query.</summary>
public sealed record CostQuery(
    Guid OrganizationId,
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<CostDimension> GroupBy,
    IReadOnlyList<(CostDimension Dimension, IReadOnlyList<string> Values)> Filters,
    Guid? DataSourceId,
    int Limit)
{
    public static readonly IReadOnlyDictionary<string, string> Metrics = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["unblended"] = "unblended",
        ["net_unblended"] = "net_unblended",
        ["netUnblended"] = "net_unblended",
        ["amortized"] = "amortized",
        ["blended"] = "blended",
        ["usage_amount"] = "usage_amount",
        ["usageAmount"] = "usage_amount",
    };

    /// <summary>The metric's name in the API (snake case, as the client may have written it in camel case).</summary>
    public string MetricName => Metric;

    /// <summary>Canonical text of the query, for binding cursors to it.</summary>
    public string Fingerprint => string.Join('|',
        OrganizationId, From.ToString("O", CultureInfo.InvariantCulture), To.ToString("O", CultureInfo.InvariantCulture), Metric,
        string.Join(',', GroupBy.Select(g => g.Name)),
        string.Join(';', Filters.OrderBy(f => f.Dimension.Name, StringComparer.Ordinal).Select(f => f.Dimension.Name + "=" + string.Join(',', f.Values.Order(StringComparer.Ordinal)))),
        DataSourceId, Limit);

    /// <summary>True when every dimension used is in the daily per-service aggregate.</summary>
    public bool UsesAggregate => GroupBy.All(g => g.InAggregate) && Filters.All(f => f.Dimension.InAggregate);

    public bool NeedsOwner => GroupBy.Any(g => g.Name == "owner") || Filters.Any(f => f.Dimension.Name == "owner");

    /// <summary>The FROM/WHERE part shared by the groups, the totals and the export; parameters are added to <paramref name="sql"/>.</summary>
    public string Source(SqlParameters sql)
    {
        var table = UsesAggregate ? "daily_service_costs" : "daily_costs";
        var from = $"{QueryDb.Schema}.{table} c";
        if (NeedsOwner)
        {
            from += $" left join {QueryDb.Schema}.resources o on o.data_source_id = c.data_source_id and o.resource_id = c.resource_key";
        }

        var where = new List<string>
        {
            $"c.organization_id = {sql.Add(OrganizationId)}",
            $"c.day between {sql.Add(From)} and {sql.Add(To)}",
        };
        if (DataSourceId is { } dataSourceId)
        {
            where.Add($"c.data_source_id = {sql.Add(dataSourceId)}");
        }

        foreach (var (dimension, values) in Filters)
        {
            if (dimension.Name == "owner")
            {
                var ids = values.Select(v => System.Guid.TryParse(v, out var g) ? (Guid?)g : null).OfType<Guid>().ToArray();
                var emails = values.Select(v => v.ToLowerInvariant()).ToArray();
                where.Add($"(coalesce(lower(o.owner_email), '') = any({sql.Add(emails)}) or md5(lower(o.owner_email))::uuid = any({sql.Add(ids)}))");
            }
            else
            {
                where.Add($"{Expression(dimension, sql)} = any({sql.Add(values.ToArray())})");
            }
        }

        return $"from {from} where {string.Join(" and ", where)}";
    }

    public static string Expression(CostDimension dimension, SqlParameters sql) => dimension.Name switch
    {
        "service" => "c.product_code",
        "account" => "c.account_id",
        "region" => "c.region",
        "resource" => "c.resource_key",
        "usageType" => "c.usage_type",
        "lineItemType" => "c.line_item_type",
        "owner" => "coalesce(lower(o.owner_email), '')",
        "day" => "to_char(c.day, 'YYYY-MM-DD')",
        "month" => "to_char(c.day, 'YYYY-MM')",
        _ => $"coalesce(c.tags->>{sql.Add(dimension.TagKey!)}, '')",
    };

    /// <summary>Groups (one row per key set and currency), time keys first in time order, then the biggest amounts.</summary>
    public string GroupsSql(SqlParameters sql, long offset, int limit)
    {
        // Byte order ("C" collation) for keys: stable across locales and much cheaper to sort than linguistic order.
        var keys = GroupBy.Select((g, i) => $"({Expression(g, sql)}) collate \"C\" as k{i}").ToList();
        var select = string.Join(", ", keys.Append("c.currency").Append($"sum(c.{Metric}) as amount"));
        var groupBy = string.Join(", ", Enumerable.Range(1, GroupBy.Count + 1));
        var order = GroupBy.Select((g, i) => (g, i)).Where(x => x.g.IsTime).Select(x => $"k{x.i}")
            .Append("amount desc")
            .Concat(GroupBy.Select((_, i) => $"k{i}"))
            .Append("currency");
        var source = Source(sql);
        return $"select {select} {source} group by {groupBy} order by {string.Join(", ", order)} limit {limit} offset {offset}";
    }

    public string TotalsSql(SqlParameters sql) =>
        $"select c.currency, sum(c.{Metric}) as amount {Source(sql)} group by c.currency order by c.currency";
}
