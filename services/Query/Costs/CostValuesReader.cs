using System.Text.Json;
using Dapper;
using DigiUsher.Query.Data;

namespace DigiUsher.Query.Costs;

/// <summary>One value of a dimension in a period: how many line items carry it and what they cost (unblended) per currency.</summary>
/// <param name="Value">The value ("" for an empty value or a missing label).</param>
/// <param name="Name">Its display name, for services and accounts.</param>
/// <param name="LineItems">CUR line items with this value in the period.</param>
/// <param name="Costs">Their unblended cost per currency.</param>
public sealed record DimensionValue(string Value, string? Name, long LineItems, IReadOnlyList<CurrencyAmount> Costs);

/// <summary>A tag key or cost category present in a period.</summary>
/// <param name="Key">The tag key or category name.</param>
/// <param name="Values">Distinct values it has in the period.</param>
/// <param name="LineItems">CUR line items that carry it.</param>
public sealed record LabelKey(string Key, long Values, long LineItems);

/// <summary>What the cost explorer's pickers list: the values of a dimension, the tag keys and cost categories of a period.</summary>
public sealed class CostValuesReader(ApiDataSource dataSource)
{
    /// <summary>The values of <paramref name="dimension"/> with costs in the range, most line items first.</summary>
    public async Task<IReadOnlyList<DimensionValue>> ValuesAsync(
        Guid organizationId, Guid? dataSourceId, CostRange range, CostDimension dimension, string? startsWith, long offset, int limit,
        CancellationToken cancellationToken)
    {
        var sql = new SqlParameters();
        var where = new List<string>
        {
            $"c.organization_id = {sql.Add(organizationId)}",
            $"c.day between {sql.Add(range.From)} and {sql.Add(range.To)}",
        };
        if (dataSourceId is { } id)
        {
            where.Add(CostScope.Condition("c", sql.Add(id)));
        }

        string from, value;
        if (dimension.IsLabel)
        {
            from = $"{QueryDb.Schema}.daily_label_costs c";
            value = "c.label_value";
            where.Add($"c.label_kind = {sql.Add(dimension.LabelKind.ToString())}::\"char\" and c.label_key = {sql.Add(dimension.Key!)}");
        }
        else if (dimension.NeedsResource)
        {
            from = dimension.Name == "owner"
                ? $"{QueryDb.Schema}.daily_costs c left join {CostScope.Resources} o on o.cost_data_source_id = c.data_source_id and o.resource_id = c.resource_key"
                : $"{QueryDb.Schema}.daily_costs c";
            value = dimension.Name == "owner" ? "coalesce(lower(o.owner_email), '')" : "c.resource_key";
        }
        else
        {
            from = $"{QueryDb.Schema}.daily_dimension_costs c";
            value = dimension.Name switch
            {
                "service" => "c.product_code",
                "account" => "c.account_id",
                "region" => "c.region",
                "usageType" => "c.usage_type",
                "lineItemType" => "c.line_item_type",
                _ => "c.pricing_unit",
            };
        }

        if (!string.IsNullOrEmpty(startsWith))
        {
            where.Add($"{value} ilike {sql.Add(startsWith.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%")}");
        }

        var names = dimension.Name switch
        {
            "service" => $"left join {QueryDb.Schema}.service_display_names n on n.organization_id = {sql.Add(organizationId)} and n.product_code = t.value",
            "account" => $"left join {QueryDb.Schema}.account_display_names n on n.organization_id = {sql.Add(organizationId)} and n.account_id = t.value",
            _ => null,
        };
        var text = $"""
            with v as (
                select ({value})::text collate "C" as value, c.currency, sum(c.line_items) as n, sum(c.unblended) as amount
                from {from} where {string.Join(" and ", where)} group by 1, 2),
            t as (
                select value, sum(n) as n, jsonb_agg(jsonb_build_object('currency', currency, 'amount', amount) order by currency) as costs
                from v group by value)
            select t.value, {(names is null ? "null::text" : "n.name")} as name, t.n::bigint as lineitems, t.costs::text as costs
            from t {names}
            order by t.n desc, t.value limit {limit} offset {offset}
            """;
        await using var snapshot = await CostReader.Snapshot.OpenAsync(dataSource, statementTimeoutMs: null, cancellationToken);
        await using var command = sql.CreateCommand(snapshot.Connection, text);
        command.Transaction = snapshot.Transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parse = reader.GetRowParser<ValueRow>();
        var values = new List<DimensionValue>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = parse(reader);
            values.Add(new DimensionValue(row.Value, row.Name, row.LineItems, JsonSerializer.Deserialize<List<CurrencyAmount>>(row.Costs, JsonDefaults.Options)!));
        }

        return values;
    }

    /// <summary>The tag keys (<paramref name="kind"/> Tag) or cost categories present in the range, most line items first.</summary>
    public async Task<IReadOnlyList<LabelKey>> KeysAsync(
        Guid organizationId, Guid? dataSourceId, CostRange range, CostDimensionKind kind, long offset, int limit, CancellationToken cancellationToken)
    {
        var sql = new SqlParameters();
        var text = $"""
            select label_key as key, count(distinct label_value) as values, sum(line_items)::bigint as lineitems
            from {QueryDb.Schema}.daily_label_costs
            where organization_id = {sql.Add(organizationId)} and label_kind = {sql.Add(kind == CostDimensionKind.Tag ? "t" : "c")}::"char"
                and day between {sql.Add(range.From)} and {sql.Add(range.To)}
                {(dataSourceId is { } id ? "and " + CostScope.Condition(string.Empty, sql.Add(id)) : string.Empty)}
            group by label_key
            order by 3 desc, label_key collate "C" limit {limit} offset {offset}
            """;
        await using var snapshot = await CostReader.Snapshot.OpenAsync(dataSource, statementTimeoutMs: null, cancellationToken);
        await using var command = sql.CreateCommand(snapshot.Connection, text);
        command.Transaction = snapshot.Transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var parse = reader.GetRowParser<LabelKey>();
        var keys = new List<LabelKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(parse(reader));
        }

        return keys;
    }

    private sealed record ValueRow(string Value, string? Name, long LineItems, string Costs);
}
