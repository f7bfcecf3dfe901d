using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace DigiUsher.Console.Apis;

/// <summary>A filter of a cost query: one dimension, any of its values ("" is "untagged" for a tag, "none" otherwise).</summary>
public sealed record CostFilter(string Dimension, IReadOnlyList<string> Values);

/// <summary>
/// The cost explorer's query. Its URL (<see cref="ToUrl"/>) uses the Query API's own parameter
/// names, so a shared link, the page and the API call are one and the same query.
/// </summary>
public sealed record CostQuery(DateOnly From, DateOnly To, string Metric, IReadOnlyList<string> GroupBy, IReadOnlyList<CostFilter> Filters, Guid? DataSourceId)
{
    public const int MaxGroupBy = 3;

    /// <summary>The Query API's limit on a range (Api:MaxRangeMonths, 13 months).</summary>
    public const int MaxRangeMonths = 13;

    public static readonly IReadOnlyList<(string Name, string Label)> Metrics =
    [
        ("unblended", "Unblended cost"),
        ("amortized", "Amortized cost (effective)"),
        ("net_unblended", "Net unblended cost"),
        ("net_amortized", "Net amortized cost"),
        ("blended", "Blended cost"),
        ("public_on_demand", "Public on-demand cost"),
    ];

    public static readonly IReadOnlyList<(string Name, string Label)> Dimensions =
    [
        ("service", "Service"),
        ("account", "Account"),
        ("region", "Region"),
        ("resource", "Resource"),
        ("usageType", "Usage type"),
        ("lineItemType", "Line item type"),
        ("owner", "Owner"),
        ("day", "Day"),
        ("month", "Month"),
    ];

    /// <summary>Dimensions a filter can use (time is the range).</summary>
    public static readonly IReadOnlyList<string> FilterDimensions = ["service", "account", "region", "resource", "usageType", "lineItemType", "owner"];

    public static CostQuery MonthOf(DateOnly day) => new(new DateOnly(day.Year, day.Month, 1), day, "unblended", ["service"], [], null);

    /// <summary>Every metric the Query API serves is an amount of money.</summary>
    public bool IsMoney => true;

    public static string Label(string dimension) =>
        dimension.StartsWith("tag:", StringComparison.Ordinal) ? $"Tag {dimension[4..]}" : Dimensions.FirstOrDefault(d => d.Name == dimension).Label ?? dimension;

    public static string MetricLabel(string metric) => Metrics.FirstOrDefault(m => m.Name == metric).Label ?? metric;

    /// <summary>What is wrong with the query, in words; empty when the API will accept it.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (From > To)
        {
            problems.Add($"The start date {From:yyyy-MM-dd} is after the end date {To:yyyy-MM-dd}.");
        }
        else if (To >= From.AddMonths(MaxRangeMonths))
        {
            problems.Add($"The range is longer than {MaxRangeMonths} months; choose a shorter one.");
        }

        if (GroupBy.Count > MaxGroupBy)
        {
            problems.Add($"Group by at most {MaxGroupBy} dimensions.");
        }

        if (GroupBy.Distinct(StringComparer.Ordinal).Count() != GroupBy.Count)
        {
            problems.Add("A dimension is chosen twice in 'group by'.");
        }

        if (Metrics.All(m => m.Name != Metric))
        {
            problems.Add($"Unknown metric '{Metric}'.");
        }

        foreach (var dimension in GroupBy.Concat(Filters.Select(f => f.Dimension)))
        {
            if (!IsDimension(dimension))
            {
                problems.Add($"Unknown dimension '{dimension}'.");
            }
        }

        return problems;
    }

    /// <summary>The parameters of <c>GET /api/v1/costs</c> (and of the console's URL).</summary>
    public ApiQuery ToQueryString()
    {
        var query = new ApiQuery()
            .Add("from", From)
            .Add("to", To)
            .Add("metric", Metric)
            .Add("groupBy", string.Join(',', GroupBy))
            .Add("dataSourceId", DataSourceId);
        foreach (var filter in Filters.Where(f => f.Values.Count > 0))
        {
            query.AddEvenEmpty(filter.Dimension, string.Join(',', filter.Values));
        }

        return query;
    }

    public string ToUrl(string path) => path + ToQueryString();

    /// <summary>Reads a query from a URL; what cannot be read is named in the problems and left at its default.</summary>
    public static (CostQuery Query, IReadOnlyList<string> Problems) FromUrl(IReadOnlyDictionary<string, StringValues> parameters, DateOnly today)
    {
        var problems = new List<string>();
        var query = MonthOf(today);
        DateOnly? Date(string name)
        {
            if (!parameters.TryGetValue(name, out var text) || StringValues.IsNullOrEmpty(text))
            {
                return null;
            }

            if (DateOnly.TryParseExact(text.ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            problems.Add($"'{text}' in '{name}' is not a date (yyyy-MM-dd); the default is used.");
            return null;
        }

        var from = Date("from") ?? query.From;
        var to = Date("to") ?? (parameters.ContainsKey("from") && from != query.From ? from.AddMonths(1).AddDays(-1) : query.To);
        var metric = parameters.TryGetValue("metric", out var m) && !StringValues.IsNullOrEmpty(m) ? m.ToString() : query.Metric;
        if (Metrics.All(x => x.Name != metric))
        {
            problems.Add($"Unknown metric '{metric}'; unblended cost is shown.");
            metric = "unblended";
        }

        var groupBy = query.GroupBy;
        if (parameters.TryGetValue("groupBy", out var g))
        {
            var names = g.SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var unknown = names.Where(n => !IsDimension(n)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"Unknown 'group by' dimension {string.Join(", ", unknown.Select(u => $"'{u}'"))}; left out.");
            }

            groupBy = [.. names.Where(IsDimension)];
            if (groupBy.Count > MaxGroupBy)
            {
                problems.Add($"Group by at most {MaxGroupBy} dimensions; the first {MaxGroupBy} are used.");
                groupBy = [.. groupBy.Take(MaxGroupBy)];
            }
        }

        var filters = parameters
            .Where(p => FilterDimensions.Contains(p.Key, StringComparer.Ordinal) || (p.Key.StartsWith("tag:", StringComparison.Ordinal) && p.Key.Length > 4))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new CostFilter(p.Key, [.. p.Value.SelectMany(v => (v ?? "").Split(',')).Select(v => v.Trim()).Distinct(StringComparer.Ordinal)]))
            .ToList();

        Guid? dataSourceId = null;
        if (parameters.TryGetValue("dataSourceId", out var ds) && !StringValues.IsNullOrEmpty(ds))
        {
            if (Guid.TryParse(ds.ToString(), out var id))
            {
                dataSourceId = id;
            }
            else
            {
                problems.Add($"'{ds}' is not a data source id; all data sources are shown.");
            }
        }

        var result = new CostQuery(from, to, metric, groupBy, filters, dataSourceId);
        if (from > to)
        {
            problems.Add($"The start date {from:yyyy-MM-dd} is after the end date {to:yyyy-MM-dd}; this month is shown.");
            result = result with { From = query.From, To = query.To };
        }

        return (result, problems);
    }

    public static bool IsDimension(string name) =>
        Dimensions.Any(d => d.Name == name) || (name.StartsWith("tag:", StringComparison.Ordinal) && name.Length > 4);
}
