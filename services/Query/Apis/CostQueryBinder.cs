using DigiUsher.Query.Costs;
using DigiUsher.Query.Imports;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>
/// Validates the body of <c>POST /api/v1/costs/query</c> into a <see cref="CostQuery"/>: every wrong
/// value is a <see cref="BadParameterException"/> naming its field (<c>filter.and[1].dimension</c>) and,
/// where the values are a closed set, listing them.
/// </summary>
public static class CostQueryBinder
{
    public const string PreviousPeriod = "previousPeriod";
    public const int MaxFilterLeaves = 100;
    public const int MaxFilterDepth = 10;
    public const int MaxValues = 1000;
    public const int MaxValueLength = 1024;

    public static readonly IReadOnlyList<string> Granularities = ["hour", "day", "week", "month", "total"];

    private const string NodeShape =
        "a filter node has exactly one of: and, or, not, or a leaf (one of dimension, tag, costCategory with one of in, startsWith, contains, absent)";

    public static CostQuery Bind(CostQueryRequest request, Guid organizationId, ApiOptions api, CostsOptions costs, DateOnly today)
    {
        var range = Range(request.From, request.To, request.Window, api, today);
        var granularity = Granularity(request.Granularity);
        var metrics = Metrics(request.Metrics);
        var groupBy = GroupBy(request.GroupBy);
        var filter = request.Filter is null ? null : Filter(request.Filter, "filter", new FilterBudget());
        var compare = request.CompareTo switch
        {
            null => false,
            PreviousPeriod => true,
            _ => throw new BadParameterException("compareTo", $"Unknown compareTo '{request.CompareTo}'; use {PreviousPeriod}.", [PreviousPeriod]),
        };
        var limit = request.Limit ?? api.DefaultPageSize;
        if (limit < 1 || limit > api.MaxPageSize)
        {
            throw new BadParameterException("limit", $"limit must be a whole number from 1 to {api.MaxPageSize}.");
        }

        var query = new CostQuery(organizationId, range, granularity, metrics, groupBy, filter, compare, request.DataSourceId, limit);
        CheckHourly(query, costs, today);
        return query;
    }

    /// <summary>The metric and filter of <c>POST /api/v1/costs/forecast</c>.</summary>
    public static (CostMetric Metric, CostFilter? Filter) BindForecast(CostForecastRequest request)
    {
        var costs = CostMetric.All.Where(m => !m.IsUsage).Select(m => m.Name).ToList();
        var metric = request.Metric is null ? CostMetric.Unblended
            : CostMetric.Parse(request.Metric) is { IsUsage: false } known ? known
            : throw new BadParameterException("metric", $"Cannot forecast '{request.Metric}'; use one of {string.Join(", ", costs)}.", costs);
        return (metric, request.Filter is null ? null : Filter(request.Filter, "filter", new FilterBudget()));
    }

    /// <summary>The range from dates or a window; the current month when neither is given.</summary>
    public static CostRange Range(DateOnly? from, DateOnly? to, string? window, ApiOptions api, DateOnly today)
    {
        CostRange range;
        if (window is not null)
        {
            if (from is not null || to is not null)
            {
                throw new BadParameterException("window", "Give either window or from and to, not both.");
            }

            range = CostRange.Window(window, today)
                ?? throw new BadParameterException("window", $"Unknown window '{window}'; use one of {string.Join(", ", CostRange.WindowNames)}.", CostRange.WindowNames);
        }
        else if (from is null && to is null)
        {
            var monthStart = new DateOnly(today.Year, today.Month, 1);
            range = new CostRange(monthStart, monthStart.AddMonths(1).AddDays(-1));
        }
        else
        {
            range = new CostRange(
                from ?? throw new BadParameterException("from", "from is missing; give both from and to, or a window."),
                to ?? throw new BadParameterException("to", "to is missing; give both from and to, or a window."));
        }

        if (range.From > range.To)
        {
            throw new BadParameterException("from", $"from ({CostRange.Text(range.From)}) is after to ({CostRange.Text(range.To)}).");
        }

        if (range.To >= range.From.AddMonths(api.MaxRangeMonths))
        {
            throw new BadParameterException("to", $"The range {CostRange.Text(range.From)}..{CostRange.Text(range.To)} is longer than {api.MaxRangeMonths} months; split it.");
        }

        return range;
    }

    /// <summary>Hours exist only for the days the read model keeps them, and without the resource dimension.</summary>
    public static void CheckHourly(CostQuery query, CostsOptions costs, DateOnly today)
    {
        if (query.Granularity != CostGranularity.Hour)
        {
            return;
        }

        var horizon = CostPeriodStore.HourlyHorizon(today, costs);
        var first = query.ReadRange.From;
        if (first < horizon)
        {
            throw new BadParameterException(query.ComparePrevious ? "compareTo" : "from",
                $"Hourly costs are kept for the last {costs.HourlyDays} days, from {CostRange.Text(horizon)}; "
                + $"{(query.ComparePrevious ? "the previous period starts" : "the range starts")} {CostRange.Text(first)}. Ask for a later range or granularity day.");
        }

        if (query.Dimensions.FirstOrDefault(d => d.NeedsResource) is { } resource)
        {
            throw new BadParameterException(query.GroupBy.Contains(resource) ? "groupBy" : "filter",
                $"Hourly costs have no {resource.Name} dimension; with granularity hour use {string.Join(", ", CostDimension.HourlyNames)}, tag:KEY, costCategory:NAME.",
                [.. CostDimension.HourlyNames, "tag:KEY", "costCategory:NAME"]);
        }
    }

    private static CostGranularity Granularity(string? text) => text switch
    {
        null or "total" => CostGranularity.Total,
        "hour" => CostGranularity.Hour,
        "day" => CostGranularity.Day,
        "week" => CostGranularity.Week,
        "month" => CostGranularity.Month,
        _ => throw new BadParameterException("granularity", $"Unknown granularity '{text}'; use one of {string.Join(", ", Granularities)}.", Granularities),
    };

    private static List<CostMetric> Metrics(IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return [CostMetric.Unblended];
        }

        if (names.Count == 0)
        {
            throw new BadParameterException("metrics", "metrics is empty; name at least one.", CostMetric.Names);
        }

        var metrics = new List<CostMetric>();
        for (var i = 0; i < names.Count; i++)
        {
            var metric = CostMetric.Parse(names[i])
                ?? throw new BadParameterException($"metrics[{i}]", $"Unknown metric '{names[i]}'; use one of {string.Join(", ", CostMetric.Names)}.", CostMetric.Names);
            if (metrics.Contains(metric))
            {
                throw new BadParameterException($"metrics[{i}]", $"Metric '{names[i]}' is given twice.");
            }

            metrics.Add(metric);
        }

        return metrics;
    }

    private static List<CostDimension> GroupBy(IReadOnlyList<string>? names)
    {
        var groupBy = new List<CostDimension>();
        if (names is null)
        {
            return groupBy;
        }

        if (names.Count > CostQuery.MaxGroupBy)
        {
            throw new BadParameterException("groupBy", $"groupBy takes at most {CostQuery.MaxGroupBy} dimensions; {names.Count} are given.");
        }

        for (var i = 0; i < names.Count; i++)
        {
            var dimension = Dimension(names[i], $"groupBy[{i}]");
            if (groupBy.Contains(dimension))
            {
                throw new BadParameterException($"groupBy[{i}]", $"groupBy '{names[i]}' is given twice.");
            }

            groupBy.Add(dimension);
        }

        return groupBy;
    }

    /// <summary>A dimension by name, or a 400 listing how dimensions are named.</summary>
    public static CostDimension Dimension(string? name, string field) => CostDimension.Parse(name)
        ?? throw new BadParameterException(field, $"Unknown dimension '{name}'; use one of {CostDimension.Allowed}.", [.. CostDimension.PlainNames, "tag:KEY", "costCategory:NAME"]);

    private static CostFilter Filter(CostFilterRequest node, string path, FilterBudget budget)
    {
        if (++budget.Depth > MaxFilterDepth)
        {
            throw new BadParameterException(path, $"The filter is nested deeper than {MaxFilterDepth} levels.");
        }

        var isLeaf = node.Dimension is not null || node.Tag is not null || node.CostCategory is not null
            || node.In is not null || node.StartsWith is not null || node.Contains is not null || node.Absent is not null;
        var shapes = (node.And is not null ? 1 : 0) + (node.Or is not null ? 1 : 0) + (node.Not is not null ? 1 : 0) + (isLeaf ? 1 : 0);
        if (shapes != 1)
        {
            throw new BadParameterException(path, shapes == 0 ? $"The filter node is empty; {NodeShape}." : $"The filter node mixes several kinds; {NodeShape}.");
        }

        CostFilter result;
        if (node.And is { } and)
        {
            result = new AndFilter(Operands(and, $"{path}.and", budget));
        }
        else if (node.Or is { } or)
        {
            result = new OrFilter(Operands(or, $"{path}.or", budget));
        }
        else if (node.Not is { } not)
        {
            result = new NotFilter(Filter(not, $"{path}.not", budget));
        }
        else
        {
            result = Leaf(node, path, budget);
        }

        budget.Depth--;
        return result;
    }

    private static List<CostFilter> Operands(IReadOnlyList<CostFilterRequest> operands, string path, FilterBudget budget)
    {
        if (operands.Count == 0)
        {
            throw new BadParameterException(path, "The list of operands is empty.");
        }

        return [.. operands.Select((o, i) => o is null
            ? throw new BadParameterException($"{path}[{i}]", "An operand is null.")
            : Filter(o, $"{path}[{i}]", budget))];
    }

    private static MatchFilter Leaf(CostFilterRequest node, string path, FilterBudget budget)
    {
        if (++budget.Leaves > MaxFilterLeaves)
        {
            throw new BadParameterException(path, $"The filter has more than {MaxFilterLeaves} leaves.");
        }

        var named = (node.Dimension is not null ? 1 : 0) + (node.Tag is not null ? 1 : 0) + (node.CostCategory is not null ? 1 : 0);
        if (named != 1)
        {
            throw new BadParameterException(path, "A filter leaf names exactly one of dimension, tag or costCategory.");
        }

        var dimension = node.Dimension is { } name
            ? CostDimension.Parse(name) is { Kind: CostDimensionKind.Plain } plain ? plain
                : throw new BadParameterException($"{path}.dimension", $"Unknown dimension '{name}'; use one of {string.Join(", ", CostDimension.PlainNames)} (tags and cost categories have their own fields).", CostDimension.PlainNames)
            : node.Tag is { } tag
                ? CostDimension.Label(CostDimensionKind.Tag, tag) ?? throw new BadParameterException($"{path}.tag", "A tag key is 1 to 256 characters.")
                : CostDimension.Label(CostDimensionKind.CostCategory, node.CostCategory) ?? throw new BadParameterException($"{path}.costCategory", "A cost category name is 1 to 256 characters.");

        var operators = new (string Name, object? Value, MatchOperator Operator)[]
        {
            ("in", node.In, MatchOperator.In),
            ("startsWith", node.StartsWith, MatchOperator.StartsWith),
            ("contains", node.Contains, MatchOperator.Contains),
            ("absent", node.Absent, MatchOperator.Absent),
        };
        var given = operators.Where(o => o.Value is not null).ToList();
        if (given.Count != 1)
        {
            throw new BadParameterException(path, $"A filter leaf takes exactly one operator: {string.Join(", ", operators.Select(o => o.Name))}.", [.. operators.Select(o => o.Name)]);
        }

        var (operatorName, value, op) = given[0];
        if (op == MatchOperator.Absent)
        {
            return node.Absent == true
                ? new MatchFilter(dimension, op, [])
                : throw new BadParameterException($"{path}.absent", "absent takes only true; to ask for a present value, wrap the leaf in not.");
        }

        var values = (IReadOnlyList<string>)value!;
        if (values.Count == 0 || values.Count > MaxValues)
        {
            throw new BadParameterException($"{path}.{operatorName}", $"{operatorName} takes 1 to {MaxValues} values; {values.Count} are given.");
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null || values[i].Length > MaxValueLength || (op != MatchOperator.In && values[i].Length == 0))
            {
                throw new BadParameterException($"{path}.{operatorName}[{i}]",
                    op == MatchOperator.In ? $"A value is a text of at most {MaxValueLength} characters." : $"A text to match is 1 to {MaxValueLength} characters.");
            }
        }

        return new MatchFilter(dimension, op, [.. values.Distinct(StringComparer.Ordinal)]);
    }

    private sealed class FilterBudget
    {
        public int Depth;
        public int Leaves;
    }
}
