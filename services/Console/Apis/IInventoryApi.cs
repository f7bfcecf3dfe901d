namespace DigiUsher.Console.Apis;

/// <summary>The filters of the resources list, named as the Query API names them.</summary>
public sealed record ResourceFilter(DateOnly From, DateOnly To, string? Kind = null, string? Region = null, string? Owner = null, string? TagKey = null, string? TagValue = null, bool? Idle = null, bool? Public = null, Guid? DataSourceId = null);

/// <summary>Resources, findings and employees (Query's <c>/api/v1/resources</c>, <c>/api/v1/findings</c>, <c>/api/v1/employees</c>).</summary>
public interface IInventoryApi
{
    Task<Page<ResourceItem>> ListResourcesAsync(ResourceFilter filter, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The resource, or null when the organization has none of this id in the period.</summary>
    Task<ResourceDetail?> GetResourceAsync(string resourceId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken);

    Task<IReadOnlyList<Finding>> ListFindingsAsync(string? type, CancellationToken cancellationToken);

    /// <summary>What an employee owns and what it costs, or null when nothing is assigned to them.</summary>
    Task<EmployeeResources?> EmployeeResourcesAsync(string employee, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

public sealed class InventoryApi(ApiClients clients) : IInventoryApi
{
    public Task<Page<ResourceItem>> ListResourcesAsync(ResourceFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var query = new ApiQuery()
            .Add("from", filter.From).Add("to", filter.To).Add("kind", filter.Kind).Add("region", filter.Region).Add("owner", filter.Owner)
            .Add("idle", filter.Idle?.ToString().ToLowerInvariant()).Add("public", filter.Public?.ToString().ToLowerInvariant())
            .Add("dataSourceId", filter.DataSourceId).Add("limit", limit).Add("cursor", cursor);
        if (!string.IsNullOrEmpty(filter.TagKey))
        {
            query.AddEvenEmpty("tag:" + filter.TagKey, filter.TagValue ?? "");
        }

        return clients.Query.GetAsync<Page<ResourceItem>>("api/v1/resources" + query, cancellationToken);
    }

    public async Task<ResourceDetail?> GetResourceAsync(string resourceId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.Query.GetAsync<ResourceDetail>(
                "api/v1/resources/" + Uri.EscapeDataString(resourceId) + new ApiQuery().Add("from", from).Add("to", to).Add("dataSourceId", dataSourceId), cancellationToken);
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<Finding>> ListFindingsAsync(string? type, CancellationToken cancellationToken) =>
        clients.Query.GetAllAsync<Finding>("api/v1/findings" + new ApiQuery().Add("type", type).Add("limit", 1000), 10000, cancellationToken);

    public async Task<EmployeeResources?> EmployeeResourcesAsync(string employee, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.Query.GetAsync<EmployeeResources>(
                "api/v1/employees/" + Uri.EscapeDataString(employee) + "/resources" + new ApiQuery().Add("from", from).Add("to", to).Add("limit", 1000), cancellationToken);
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
