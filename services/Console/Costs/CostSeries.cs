using System.Globalization;
using DigiUsher.Console.Apis;

using DigiUsher.Client.Query;

namespace DigiUsher.Console.Costs;

/// <summary>One point of a chart: its category (a day, a service ...) and value.</summary>
public sealed record CostPoint(string Category, decimal Value);

/// <summary>A named series of a chart; stacked series share their categories.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<CostPoint> Points)
{
    public decimal Total => Points.Sum(p => p.Value);
}

/// <summary>Turns cost groups into chart series a person reads at a glance: few series, every day present, the rest as "Other".</summary>
public static class CostSeries
{
    public const string Other = "Other";

    /// <summary>A group of costs as the Query API answers it (for series built from other answers: a resource's days, an employee's resources).</summary>
    public static CostGroup Group(IDictionary<string, string> keys, string currency, decimal amount) => new() { Keys = keys, Currency = currency, Amount = amount };

    /// <summary>
    /// Daily series stacked by <paramref name="dimension"/> from groups keyed by <c>day</c> and the
    /// dimension: the <paramref name="top"/> biggest values over the range get a series each, the
    /// rest are summed into "Other"; every day of the range is a category (zero where nothing was spent).
    /// Only amounts in <paramref name="currency"/> are drawn: currencies are never added.
    /// </summary>
    public static IReadOnlyList<ChartSeries> DailyStacked(IReadOnlyList<CostGroup> groups, string dimension, DateOnly from, DateOnly to, string currency, int top = 6)
    {
        var inCurrency = groups.Where(g => g.Currency == currency && g.Keys.ContainsKey("day")).ToList();
        var label = (CostGroup g) => CostTable.KeyLabel(dimension, g.Keys.TryGetValue(dimension, out var k) ? k : "");
        var ranked = inCurrency.GroupBy(label).Select(s => (Name: s.Key, Total: s.Sum(g => g.Amount)))
            .OrderByDescending(s => s.Total).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        var kept = ranked.Count <= top + 1 ? ranked.Select(r => r.Name).ToList() : ranked.Take(top).Select(r => r.Name).ToList();
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(i => from.AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();
        var byName = inCurrency.GroupBy(g => kept.Contains(label(g)) ? label(g) : Other)
            .ToDictionary(s => s.Key, s => s.GroupBy(g => g.Keys["day"]).ToDictionary(d => d.Key, d => d.Sum(g => g.Amount), StringComparer.Ordinal), StringComparer.Ordinal);
        return [.. kept.Concat(byName.ContainsKey(Other) ? [Other] : Array.Empty<string>())
            .Select(name => new ChartSeries(name, [.. days.Select(day => new CostPoint(day, byName[name].GetValueOrDefault(day)))]))];
    }

    /// <summary>
    /// The biggest values of one dimension, in <paramref name="currency"/>, biggest first; the rest
    /// summed into "Other" when there are more than <paramref name="top"/>.
    /// </summary>
    /// <remarks>
    /// When <c>total</c> (the currency's total over all groups) is given, <c>groups</c> may be only the
    /// biggest page: "Other" is then the total less the top values, not the sum of the page's rest.
    /// </remarks>
    public static IReadOnlyList<CostPoint> Top(IReadOnlyList<CostGroup> groups, string dimension, string currency, int top = 5, decimal? total = null)
    {
        var ranked = groups.Where(g => g.Currency == currency)
            .GroupBy(g => CostTable.KeyLabel(dimension, g.Keys.TryGetValue(dimension, out var k) ? k : ""))
            .Select(s => new CostPoint(s.Key, s.Sum(g => g.Amount)))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Category, StringComparer.Ordinal).ToList();
        var kept = ranked.Count <= top + 1 && total is null ? ranked : ranked.Take(top).ToList();
        var rest = (total ?? ranked.Sum(p => p.Value)) - kept.Sum(p => p.Value);
        return rest != 0m ? [.. kept, new CostPoint(Other, rest)] : kept;
    }

    /// <summary>The currency with the biggest total: what a chart draws when costs come in several.</summary>
    public static string? MainCurrency(IReadOnlyList<CurrencyAmount> totals) =>
        totals.OrderByDescending(t => Math.Abs(t.Amount)).Select(t => t.Currency).FirstOrDefault();

    /// <summary>
    /// The series of the explorer's chart: stacked by day when the query groups by day (or month),
    /// by its second dimension; otherwise one series of the top values of its first dimension.
    /// </summary>
    public static IReadOnlyList<ChartSeries> ForExplorer(CostsResponse costs, string currency, int top = 8)
    {
        var time = costs.GroupBy.FirstOrDefault(d => d is "day" or "month");
        var other = costs.GroupBy.FirstOrDefault(d => d is not ("day" or "month"));
        if (time is not null)
        {
            var categories = costs.Items.Where(g => g.Currency == currency).Select(g => g.Keys[time]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (other is null)
            {
                return [new ChartSeries(CostQuery.MetricLabel(costs.Metric), [.. categories.Select(c => new CostPoint(c, costs.Items.Where(g => g.Currency == currency && g.Keys[time] == c).Sum(g => g.Amount)))])];
            }

            var tops = Top(costs.Items, other, currency, top).Select(p => p.Category).Where(c => c != Other).ToHashSet(StringComparer.Ordinal);
            string Name(CostGroup g) => CostTable.KeyLabel(other, g.Keys[other]) is var name && tops.Contains(name) ? name : Other;
            var named = costs.Items.Where(g => g.Currency == currency).GroupBy(Name).OrderByDescending(s => s.Key != Other).ThenByDescending(s => s.Sum(g => g.Amount));
            return [.. named.Select(s => new ChartSeries(s.Key, [.. categories.Select(c => new CostPoint(c, s.Where(g => g.Keys[time] == c).Sum(g => g.Amount)))]))];
        }

        var first = costs.GroupBy.FirstOrDefault();
        return first is null
            ? [new ChartSeries(CostQuery.MetricLabel(costs.Metric), [new CostPoint("Total", costs.Totals.FirstOrDefault(t => t.Currency == currency)?.Amount ?? 0m)])]
            : [new ChartSeries(CostQuery.MetricLabel(costs.Metric), Top(costs.Items, first, currency, top))];
    }
}
