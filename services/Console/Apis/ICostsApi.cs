
namespace DigiUsher.Console.Apis;

/// <summary>A month's forecast, when the Query API offers one.</summary>
public sealed record CostForecast(string Currency, decimal Amount, DateOnly Through);

/// <summary>All groups of a cost query, or the first <c>max</c> when there were more.</summary>
public sealed record CostResult(CostsResponse Costs, bool Truncated);

/// <summary>Costs and imports (Query's <c>/api/v1/costs</c>, <c>/api/v1/imports</c>).</summary>
public interface ICostsApi
{
    /// <summary>Every group of the query (following the cursors), up to <paramref name="max"/>.</summary>
    Task<CostResult> GetCostsAsync(CostQuery query, CancellationToken cancellationToken, int max = 5000);

    /// <summary>The values a dimension takes in the query's range (its groups), biggest first.</summary>
    Task<IReadOnlyList<string>> DimensionValuesAsync(CostQuery query, string dimension, CancellationToken cancellationToken);

    /// <summary>
    /// The tag keys seen on resources. The Query API has no tag-keys endpoint yet (issue 19 adds
    /// one); until then they are read from the resources' tags.
    /// </summary>
    Task<IReadOnlyList<string>> TagKeysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>The month's forecast; null while the Query API has none (issue 19 adds it).</summary>
    Task<CostForecast?> ForecastAsync(DateOnly month, string metric, CancellationToken cancellationToken);

    Task<IReadOnlyList<ImportItem>> ListImportsAsync(Guid? dataSourceId, CancellationToken cancellationToken);
}

public sealed class CostsApi(ApiClients clients) : ICostsApi
{
    private const int PageSize = 1000;

    public async Task<CostResult> GetCostsAsync(CostQuery query, CancellationToken cancellationToken, int max = 5000)
    {
        var parameters = query.ToQueryString().Add("limit", Math.Min(PageSize, max)).ToString();
        var first = await clients.Query.GetAsync<CostsResponse>("api/v1/costs" + parameters, cancellationToken);
        var groups = new List<CostGroup>(first.Items);
        var cursor = first.NextCursor;
        while (cursor is not null && groups.Count < max)
        {
            var page = await clients.Query.GetAsync<CostsResponse>("api/v1/costs" + parameters + "&cursor=" + Uri.EscapeDataString(cursor), cancellationToken);
            groups.AddRange(page.Items);
            cursor = page.NextCursor;
        }

        return new CostResult(first with { Items = groups.Take(max).ToList(), NextCursor = null }, cursor is not null || groups.Count > max);
    }

    public async Task<IReadOnlyList<string>> DimensionValuesAsync(CostQuery query, string dimension, CancellationToken cancellationToken)
    {
        var result = await GetCostsAsync(query with { GroupBy = [dimension], Filters = [.. query.Filters.Where(f => f.Dimension != dimension)] }, cancellationToken, 500);
        return [.. result.Costs.Items.Select(g => g.Keys[dimension]).Distinct(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<string>> TagKeysAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var resources = await clients.Query.GetAsync<Page<ResourceItem>>("api/v1/resources" + new ApiQuery().Add("from", from).Add("to", to).Add("limit", 2000), cancellationToken);
        return [.. resources.Items.SelectMany(r => r.Tags.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.OrdinalIgnoreCase)];
    }

    public Task<CostForecast?> ForecastAsync(DateOnly month, string metric, CancellationToken cancellationToken) => Task.FromResult<CostForecast?>(null);

    public Task<IReadOnlyList<ImportItem>> ListImportsAsync(Guid? dataSourceId, CancellationToken cancellationToken) =>
        clients.Query.GetAllAsync<ImportItem>("api/v1/imports" + new ApiQuery().Add("dataSourceId", dataSourceId).Add("limit", 500), int.MaxValue, cancellationToken);
}

