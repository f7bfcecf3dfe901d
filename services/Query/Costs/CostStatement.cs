using System.Globalization;
using System.Text;
using DigiUsher.Query.Data;

namespace DigiUsher.Query.Costs;

/// <summary>Which table of the read model answers a query (services/Query/README.md, "Table design").</summary>
public enum CostSourceKind
{
    /// <summary><c>daily_dimension_costs</c>: no resource, owner, tag or category.</summary>
    Dimensions,

    /// <summary><c>daily_label_costs</c> for one tag key or category (and the dimension totals for what lacks it).</summary>
    Label,

    /// <summary><c>daily_costs</c>: per resource, every label: resources, owners, two labels or more.</summary>
    Full,

    /// <summary><c>hourly_costs</c>: granularity hour.</summary>
    Hourly,
}

/// <summary>
/// The SQL of a <see cref="CostQuery"/>: one statement that reads the smallest table able to answer,
/// sums every metric per group, time bucket and currency (and pricing unit for the usage amount),
/// the previous period beside it, and the per-currency totals in the same scan (grouping sets), then
/// orders and pages the groups. Values are always parameters (<see cref="SqlParameters"/>).
/// </summary>
public sealed class CostStatement
{
    private readonly CostQuery _query;
    private readonly SqlParameters _sql = new();
    private readonly List<string> _costColumns;

    public CostStatement(CostQuery query)
    {
        _query = query;
        Source = Choose(query);
        CostMetrics = [.. query.Metrics.Where(m => !m.IsUsage)];
        _costColumns = [.. CostMetrics.Select((_, i) => $"c{i}")];
    }

    public CostSourceKind Source { get; }

    /// <summary>The metrics that are amounts of money, in the order the query gave them (column <c>c{i}</c>, previous <c>p{i}</c>).</summary>
    public IReadOnlyList<CostMetric> CostMetrics { get; }

    public SqlParameters Parameters => _sql;

    /// <summary>The table that answers: the pre-aggregates unless a resource, an owner or two labels are involved.</summary>
    public static CostSourceKind Choose(CostQuery query)
    {
        if (query.Granularity == CostGranularity.Hour)
        {
            return CostSourceKind.Hourly;
        }

        var dimensions = query.Dimensions.ToList();
        if (dimensions.Any(d => d.NeedsResource))
        {
            return CostSourceKind.Full;
        }

        return dimensions.Where(d => d.IsLabel).Select(d => (d.Kind, d.Key)).Distinct().Count() switch
        {
            0 => CostSourceKind.Dimensions,
            1 => CostSourceKind.Label,
            _ => CostSourceKind.Full,
        };
    }

    /// <summary>
    /// Rows of kind 0: one page of groups in answer order (<c>k{i}</c> keys, <c>t</c> bucket, currency, <c>c{i}</c>
    /// and <c>p{i}</c> sums, <c>usage</c> as JSON per unit, <c>item_count</c> of all groups); then rows of kind 1: the
    /// totals per currency. With <paramref name="cap"/> (exports): no totals, and when there are more groups than
    /// that, no groups but one row of kind 2 whose <c>item_count</c> says how many.
    /// </summary>
    public string ItemsAndTotals(long offset, int limit, int? cap = null)
    {
        var q = _query;
        var compare = q.ComparePrevious;
        var keys = Enumerable.Range(0, q.GroupBy.Count).Select(i => $"k{i}").ToList();
        var unit = q.HasUsage ? ", unit" : string.Empty;
        var sums = new List<string>();
        for (var i = 0; i < CostMetrics.Count; i++)
        {
            sums.Add(compare ? $"sum(m{i}) filter (where cur) as c{i}, sum(m{i}) filter (where not cur) as p{i}" : $"sum(m{i}) as c{i}");
        }

        if (q.HasUsage)
        {
            sums.Add(compare ? "sum(u) filter (where cur) as cu, sum(u) filter (where not cur) as pu" : "sum(u) as cu");
        }

        var keyList = string.Join(", ", keys.Append("t").Append("currency")) + unit;
        var having = compare
            ? "coalesce(sum(n) filter (where cur), 0) <> 0 or coalesce(sum(n) filter (where not cur), 0) <> 0"
            : "sum(n) <> 0";
        var previousCosts = compare ? _costColumns.Select((_, i) => $"p{i}").ToList() : [];
        var usage = q.HasUsage
            ? compare
                ? ", jsonb_agg(jsonb_build_object('unit', unit, 'amount', coalesce(cu, 0), 'previous', coalesce(pu, 0)) order by unit) as usage"
                : ", jsonb_agg(jsonb_build_object('unit', unit, 'amount', coalesce(cu, 0)) order by unit) as usage"
            : ", null::jsonb as usage";
        var itemSums = string.Join(string.Empty, _costColumns.Concat(previousCosts).Select(c => $", sum({c}) as {c}"));
        var itemsCte = q.HasUsage
            ? $"select total_row, {string.Join(", ", keys.Append("t").Append("currency"))}{itemSums}{usage} from g where total_row = 1 or t < {q.Range.Buckets(q.Granularity)} group by total_row, {string.Join(", ", keys.Append("t").Append("currency"))}"
            : $"select total_row, {string.Join(", ", keys.Append("t").Append("currency"))}{string.Join(string.Empty, _costColumns.Concat(previousCosts).Select(c => $", {c}"))}{usage} from g where total_row = 1 or t < {q.Range.Buckets(q.Granularity)}";
        var order = string.Join(", ", new[] { "t", _costColumns.Count > 0 ? "c0 desc nulls last" : null }.OfType<string>()
            .Concat(keys).Append("currency"));
        var output = string.Join(", ", keys.Append("t").Append("currency").Concat(_costColumns).Concat(previousCosts).Append("usage"));
        return $"""
            with s as ({SourceRows()}),
            g as (
                select {keyList}, {string.Join(", ", sums)}, grouping(t) as total_row
                from s
                group by grouping sets (({keyList}), (currency{unit}))
                having {having}),
            i as ({itemsCte}),
            p as (
                select {output}, count(*) over () as item_count, row_number() over (order by {order}) as ord
                from i where total_row = 0
                order by ord limit {limit.ToString(CultureInfo.InvariantCulture)} offset {offset.ToString(CultureInfo.InvariantCulture)})
            {(cap is { } max
                ? $"""
                select 0 as row_kind, {output}, item_count, ord from p where item_count <= {max.ToString(CultureInfo.InvariantCulture)}
                union all
                select 2, {NullColumns()}, item_count, null from (select item_count from p limit 1) x where item_count > {max.ToString(CultureInfo.InvariantCulture)}
                order by row_kind, ord
                """
                : $"""
                select 0 as row_kind, {output}, item_count, ord from p
                union all
                select 1, {output}, null, null from i where total_row = 1
                order by row_kind, ord, currency
                """)}
            """;
    }

    /// <summary>Typed nulls in the place of the output columns (the union's other branch names their types).</summary>
    private string NullColumns() => string.Join(", ",
        _query.GroupBy.Select(_ => "null::text").Append("null::int").Append("null::text").Concat(_costColumns.Select(_ => "null::numeric"))
            .Concat(_query.ComparePrevious ? _costColumns.Select(_ => "null::numeric") : []).Append("null::jsonb"));

    /// <summary>The rows of the source table the query reads, one column per key, bucket, currency, unit, metric.</summary>
    private string SourceRows() => Source switch
    {
        CostSourceKind.Label => LabelRows(),
        CostSourceKind.Full => Rows(
            $"{QueryDb.Schema}.daily_costs c" + (_query.Dimensions.Any(d => d.Name == "owner")
                ? $" left join {CostScope.Resources} o on o.cost_data_source_id = c.data_source_id and o.resource_id = c.resource_key"
                : string.Empty),
            [], JsonLabel, sign: string.Empty),
        CostSourceKind.Hourly => Rows($"{QueryDb.Schema}.hourly_costs c", [], JsonLabel, sign: string.Empty),
        _ => Rows($"{QueryDb.Schema}.daily_dimension_costs c", [], _ => "''", sign: string.Empty),
    };

    /// <summary>
    /// One label's costs: each labelled row counts under its value and, negated, under "" (missing); the
    /// dimension totals count under "" too. So "" sums exactly what lacks the label, in numeric, without
    /// storing a row per missing label.
    /// </summary>
    private string LabelRows()
    {
        var label = _query.Dimensions.First(d => d.IsLabel);
        var kind = _sql.Add(label.LabelKind.ToString());
        var key = _sql.Add(label.Key!);
        var labelled = Rows(
            $"{QueryDb.Schema}.daily_label_costs c cross join lateral (values (c.label_value, 1), ('', -1)) v(value, sign)",
            [$"c.label_kind = {kind}::\"char\"", $"c.label_key = {key}"],
            _ => "v.value", sign: "v.sign * ");
        var totals = Rows($"{QueryDb.Schema}.daily_dimension_costs c", [], _ => "''", sign: string.Empty);
        return labelled + "\n            union all\n            " + totals;
    }

    private string JsonLabel(CostDimension label) =>
        $"coalesce(c.{(label.Kind == CostDimensionKind.Tag ? "tags" : "cost_categories")}->>{_sql.Add(label.Key!)}, '')";

    private string Rows(string from, IReadOnlyList<string> conditions, Func<CostDimension, string> label, string sign)
    {
        var q = _query;
        string Dimension(CostDimension d) => d.IsLabel ? label(d) : Column(d);
        var columns = new List<string>();
        columns.AddRange(q.GroupBy.Select((d, i) => $"({Dimension(d)})::text collate \"C\" as k{i}"));
        columns.Add(Bucket() + " as t");
        columns.Add("c.currency");
        if (q.HasUsage)
        {
            columns.Add("c.pricing_unit as unit");
        }

        columns.Add((q.ComparePrevious ? Time() + " >= " + Start(q.Range.From) : "true") + " as cur");
        columns.AddRange(CostMetrics.Select((m, i) => $"{sign}c.{m.Column} as m{i}"));
        if (q.HasUsage)
        {
            columns.Add($"{sign}c.usage_amount as u");
        }

        columns.Add($"{sign}c.line_items as n");

        var where = new List<string> { $"c.organization_id = {_sql.Add(q.OrganizationId)}" };
        // The previous period need not touch the range (month to date against the same days of last month).
        where.Add(q.PreviousRange is { } previous ? $"({Within(previous)} or {Within(q.Range)})" : Within(q.Range));
        if (q.DataSourceId is { } dataSourceId)
        {
            where.Add(CostScope.Condition("c", _sql.Add(dataSourceId)));
        }

        where.AddRange(conditions);
        if (q.Filter is { } filter)
        {
            where.Add(Render(filter, Dimension));
        }

        return $"select {string.Join(", ", columns)} from {from} where {string.Join(" and ", where)}";
    }

    private string Within(CostRange range) => Source == CostSourceKind.Hourly
        ? $"c.hour >= {Start(range.From)} and c.hour < {Start(range.To.AddDays(1))}"
        : $"c.day between {_sql.Add(range.From)} and {_sql.Add(range.To)}";

    private string Column(CostDimension dimension) => dimension.Name switch
    {
        "service" => "c.product_code",
        "account" => "c.account_id",
        "region" => "c.region",
        "usageType" => "c.usage_type",
        "lineItemType" => "c.line_item_type",
        "pricingUnit" => "c.pricing_unit",
        "resource" => "c.resource_key",
        "owner" => "coalesce(lower(o.owner_email), '')",
        _ => throw new InvalidOperationException($"No column for dimension {dimension.Name}."),
    };

    private string Time() => Source == CostSourceKind.Hourly ? "c.hour" : "c.day";

    /// <summary>The start of a day as the time column's type (a date, or the UTC instant for hours).</summary>
    private string Start(DateOnly day) => Source == CostSourceKind.Hourly
        ? _sql.Add(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero))
        : _sql.Add(day);

    /// <summary>The bucket's ordinal from the start of its range: the previous period's buckets line up with the current ones.</summary>
    private string Bucket()
    {
        var q = _query;
        if (q.Granularity == CostGranularity.Total)
        {
            return "0";
        }

        var current = Ordinal(q.Range.From);
        return q.PreviousRange is { } previous ? $"(case when {Time()} >= {Start(q.Range.From)} then {current} else {Ordinal(previous.From)} end)" : current;
    }

    private string Ordinal(DateOnly from) => _query.Granularity switch
    {
        CostGranularity.Hour => $"floor(extract(epoch from c.hour - {Start(from)}) / 3600)::int",
        CostGranularity.Day => $"(c.day - {_sql.Add(from)})",
        CostGranularity.Week => $"(((c.day - (extract(isodow from c.day)::int - 1)) - {_sql.Add(CostRange.WeekStart(from))}) / 7)",
        CostGranularity.Month => $"(extract(year from c.day)::int * 12 + extract(month from c.day)::int - 1 - {_sql.Add(CostRange.MonthIndex(from))})",
        _ => "0",
    };

    private string Render(CostFilter filter, Func<CostDimension, string> dimension) => filter switch
    {
        AndFilter and => and.Operands.Count == 0 ? "true" : "(" + string.Join(" and ", and.Operands.Select(o => Render(o, dimension))) + ")",
        OrFilter or => or.Operands.Count == 0 ? "false" : "(" + string.Join(" or ", or.Operands.Select(o => Render(o, dimension))) + ")",
        NotFilter not => $"not {Render(not.Operand, dimension)}",
        MatchFilter match => Match(match, dimension(match.Dimension)),
        _ => throw new InvalidOperationException($"Unknown filter {filter.GetType().Name}."),
    };

    private string Match(MatchFilter match, string value)
    {
        switch (match.Operator)
        {
            case MatchOperator.Absent:
                return $"({value}) = ''";
            case MatchOperator.StartsWith:
                return $"({value}) ilike any({_sql.Add(match.Values.Select(v => Like(v) + "%").ToArray())})";
            case MatchOperator.Contains:
                return $"({value}) ilike any({_sql.Add(match.Values.Select(v => "%" + Like(v) + "%").ToArray())})";
            default:
                if (match.Dimension.Name == "owner")
                {
                    // An owner is written as an email or as the employee id the API shows (md5 of the lower-cased email).
                    var ids = match.Values.Select(v => Guid.TryParse(v, out var id) ? (Guid?)id : null).OfType<Guid>().ToArray();
                    var emails = match.Values.Select(v => v.ToLowerInvariant()).ToArray();
                    return $"(({value}) = any({_sql.Add(emails)}) or (o.owner_email is not null and md5(lower(o.owner_email))::uuid = any({_sql.Add(ids)})))";
                }

                return $"({value}) = any({_sql.Add(match.Values.ToArray())})";
        }
    }

    /// <summary>A LIKE pattern matching <paramref name="text"/> literally (backslash is the default escape).</summary>
    private static string Like(string text)
    {
        var pattern = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '\\' or '%' or '_')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.ToString();
    }
}
