using DigiUsher.Client.Query;

namespace DigiUsher.Console.Apis;

/// <summary>A month's forecast, when the Query API offers one.</summary>
public sealed record MonthForecast(string Currency, decimal Amount, DateOnly Through);

/// <summary>All groups of a cost query, or the first <c>max</c> when there were more.</summary>
public sealed record CostResult(CostsResponse Costs, bool Truncated);

/// <summary>Costs and imports (Query's <c>/api/v1/costs</c>, <c>/api/v1/imports</c>).</summary>
public interface ICostsApi
{
    /// <summary>Every group of the query (following the cursors), up to <paramref name="max"/>.</summary>
    Task<CostResult> GetCostsAsync(CostQuery query, CancellationToken cancellationToken, int max = 5000);

    /// <summary>The values a dimension takes in the query's range (its groups), biggest first.</summary>
    Task<IReadOnlyList<string>> DimensionValuesAsync(CostQuery query, string dimension, CancellationToken cancellationToken);

    /// <summary>The tag keys of the organization's costs in the range (Query's <c>/api/v1/costs/tags</c>).</summary>
    Task<IReadOnlyList<string>> TagKeysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>The current month's forecast (Query's <c>/api/v1/costs/forecast</c>); null when it has none in one currency.</summary>
    Task<MonthForecast?> ForecastAsync(DateOnly month, string metric, CancellationToken cancellationToken);

    Task<IReadOnlyList<ImportItem>> ListImportsAsync(Guid? dataSourceId, CancellationToken cancellationToken);

    /// <summary>
    /// A data source's totals per currency in the range; null when Query does not know it yet (a 404: Query learns of a
    /// data source from DataSource's event, which can arrive a moment after it is connected).
    /// </summary>
    Task<IReadOnlyList<CurrencyAmount>?> DataSourceTotalsAsync(Guid dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>The names of the accounts with costs in the range, by account id (Query's account grouping names them).</summary>
    Task<IReadOnlyDictionary<string, string>> AccountNamesAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);


    /// <summary>Imports loading now, with their progress (Query's <c>/api/v1/imports/in-progress</c>).</summary>
    Task<IReadOnlyList<ImportInProgressItem>> ListImportsInProgressAsync(CancellationToken cancellationToken);
}

public sealed class CostsApi(ApiClients clients) : ICostsApi
{
    private const int PageSize = 1000;

    public async Task<CostResult> GetCostsAsync(CostQuery query, CancellationToken cancellationToken, int max = 5000)
    {
        Task<CostsResponse> Page(string? cursor) => clients.Query.GetCostsAsync(
            from: query.From,
            to: query.To,
            metric: ApiValues.Parse<Metric>(query.Metric),
            groupBy: query.GroupBy,
            service: Filter(query, "service"),
            account: Filter(query, "account"),
            region: Filter(query, "region"),
            resource: Filter(query, "resource"),
            usageType: Filter(query, "usageType"),
            lineItemType: Filter(query, "lineItemType"),
            owner: Filter(query, "owner"),
            tags: query.Filters.Where(f => f.Dimension.StartsWith("tag:", StringComparison.Ordinal) && f.Values.Count > 0)
                .ToDictionary(f => f.Dimension, f => string.Join(',', f.Values)),
            dataSourceId: query.DataSourceId,
            limit: Math.Min(PageSize, max),
            cursor: cursor,
            cancellationToken: cancellationToken);

        var first = await Page(null);
        var groups = new List<CostGroup>(first.Items);
        var next = first.NextCursor;
        while (next is not null && groups.Count < max)
        {
            var page = await Page(next);
            groups.AddRange(page.Items);
            next = page.NextCursor;
        }

        var truncated = next is not null || groups.Count > max;
        first.Items = [.. groups.Take(max)];
        first.NextCursor = null;
        return new CostResult(first, truncated);
    }

    public async Task<IReadOnlyList<string>> DimensionValuesAsync(CostQuery query, string dimension, CancellationToken cancellationToken)
    {
        var result = await GetCostsAsync(query with { GroupBy = [dimension], Filters = [.. query.Filters.Where(f => f.Dimension != dimension)] }, cancellationToken, 500);
        return [.. result.Costs.Items.Select(g => g.Keys[dimension]).Distinct(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<string>> TagKeysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var keys = await ApiValues.AllAsync<LabelKey>(
            async cursor => await clients.Query.ListCostTagKeysAsync(from, to, limit: 500, cursor: cursor, cancellationToken: cancellationToken) is var page ? (page.Items, page.NextCursor) : default,
            2000);
        return [.. keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<MonthForecast?> ForecastAsync(DateOnly month, string metric, CancellationToken cancellationToken)
    {
        CostForecast forecast;
        try
        {
            forecast = await clients.Query.ForecastCostsAsync(new CostForecastRequest { Metric = metric }, cancellationToken);
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.UnprocessableEntity)
        {
            // Too little history to forecast from: the dashboard shows no forecast rather than an error.
            return null;
        }

        // One currency per organization in practice; with several, the month's total is not one number.
        return forecast.Items is [var only] && only.Month.From.Year == month.Year && only.Month.From.Month == month.Month
            ? new MonthForecast(only.Currency, only.Month.Amount, only.Month.To)
            : null;
    }

    public Task<IReadOnlyList<ImportItem>> ListImportsAsync(Guid? dataSourceId, CancellationToken cancellationToken) =>
        ApiValues.AllAsync<ImportItem>(async cursor => await clients.Query.ListImportsAsync(dataSourceId, 500, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    public async Task<IReadOnlyList<CurrencyAmount>?> DataSourceTotalsAsync(Guid dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        try
        {
            return (await clients.Query.GetCostsAsync(from: from, to: to, dataSourceId: dataSourceId, limit: 1, cancellationToken: cancellationToken)).Totals;
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> AccountNamesAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var result = await GetCostsAsync(new CostQuery(from, to, "unblended", ["account"], [], null), cancellationToken, 1000);
        return result.Costs.Items
            .Where(g => g.Keys.ContainsKey("account") && g.Names?.ContainsKey("account") == true)
            .GroupBy(g => g.Keys["account"], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Names!["account"], StringComparer.Ordinal);
    }

    public Task<IReadOnlyList<ImportInProgressItem>> ListImportsInProgressAsync(CancellationToken cancellationToken) =>
        ApiValues.AllAsync<ImportInProgressItem>(async cursor => await clients.Query.ListImportsInProgressAsync(null, 500, cursor, cancellationToken) is var page ? (page.Items, page.NextCursor) : default);

    private static string[]? Filter(CostQuery query, string dimension) =>
        query.Filters.FirstOrDefault(f => f.Dimension == dimension && f.Values.Count > 0)?.Values.ToArray();
}
