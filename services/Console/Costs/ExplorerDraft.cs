using DigiUsher.Console.Apis;

namespace DigiUsher.Console.Costs;

/// <summary>The explorer's form while the person edits it; <see cref="ToQuery"/> is what "Show" runs.</summary>
public sealed class ExplorerDraft
{
    private readonly string?[] _groupBy = new string?[CostQuery.MaxGroupBy];
    private int _nextFilterId;

    public DateOnly From { get; set; }

    public DateOnly To { get; set; }

    public string Metric { get; set; } = "unblended";

    public Guid? DataSourceId { get; set; }

    public List<FilterRow> Filters { get; } = [];

    public string? GroupBy(int index) => _groupBy[index];

    public void SetGroupBy(int index, string? dimension) => _groupBy[index] = string.IsNullOrEmpty(dimension) ? null : dimension;

    public void AddFilter() => Filters.Add(new FilterRow(_nextFilterId++) { Dimension = "service" });

    public void Load(CostQuery query)
    {
        From = query.From;
        To = query.To;
        Metric = query.Metric;
        DataSourceId = query.DataSourceId;
        for (var i = 0; i < _groupBy.Length; i++)
        {
            _groupBy[i] = i < query.GroupBy.Count ? query.GroupBy[i] : null;
        }

        Filters.Clear();
        foreach (var filter in query.Filters)
        {
            Filters.Add(new FilterRow(_nextFilterId++) { Dimension = filter.Dimension, Values = string.Join(", ", filter.Values) });
        }
    }

    /// <summary>The query: group-by in the order chosen, empty choices left out; filter values split on commas.</summary>
    public CostQuery ToQuery() => new(
        From,
        To,
        Metric,
        [.. _groupBy.OfType<string>()],
        [.. Filters.GroupBy(f => f.Dimension, StringComparer.Ordinal)
            .Select(g => new CostFilter(g.Key, [.. g.SelectMany(f => f.Values.Split(',')).Select(v => v.Trim()).Distinct(StringComparer.Ordinal)]))],
        DataSourceId);

    public sealed class FilterRow(int id)
    {
        public int Id { get; } = id;

        public string Dimension { get; set; } = "service";

        public string Values { get; set; } = "";
    }
}
