using DigiUsher.Client.Query;

namespace DigiUsher.Console.Apis;

/// <summary>The filters of the resources list, named as the Query API names them.</summary>
public sealed record ResourceFilter(DateOnly From, DateOnly To, string? Kind = null, string? Region = null, string? Owner = null, string? TagKey = null, string? TagValue = null, bool? Idle = null, bool? Public = null, Guid? DataSourceId = null);

/// <summary>Resources, findings and employees (Query's <c>/api/v1/resources</c>, <c>/api/v1/findings</c>, <c>/api/v1/employees</c>).</summary>
public interface IInventoryApi
{
    Task<PageOfResourceItem> ListResourcesAsync(ResourceFilter filter, int limit, string? cursor, CancellationToken cancellationToken);

    /// <summary>The resource, or null when the organization has none of this id in the period.</summary>
    Task<ResourceDetail?> GetResourceAsync(string resourceId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken);

    Task<IReadOnlyList<Finding>> ListFindingsAsync(string? type, CancellationToken cancellationToken);

    /// <summary>What an employee owns and what it costs, or null when nothing is assigned to them.</summary>
    Task<EmployeeResources?> EmployeeResourcesAsync(string employee, DateOnly from, DateOnly to, CancellationToken cancellationToken);
}

public sealed class InventoryApi(ApiClients clients) : IInventoryApi
{
    public Task<PageOfResourceItem> ListResourcesAsync(ResourceFilter filter, int limit, string? cursor, CancellationToken cancellationToken) =>
        clients.Query.ListResourcesAsync(
            dataSourceId: filter.DataSourceId,
            kind: Many(filter.Kind),
            region: Many(filter.Region),
            owner: Many(filter.Owner),
            tags: string.IsNullOrEmpty(filter.TagKey) ? null : new Dictionary<string, string> { ["tag:" + filter.TagKey] = filter.TagValue ?? "" },
            @public: filter.Public,
            idle: filter.Idle,
            from: filter.From,
            to: filter.To,
            limit: limit,
            cursor: cursor,
            cancellationToken: cancellationToken);

    public async Task<ResourceDetail?> GetResourceAsync(string resourceId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.Query.GetResourceAsync(resourceId, dataSourceId, from, to, cancellationToken: cancellationToken);
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<Finding>> ListFindingsAsync(string? type, CancellationToken cancellationToken) =>
        ApiValues.AllAsync<Finding>(
            async cursor => await clients.Query.ListFindingsAsync(type: type is null ? null : [ApiValues.Parse<FindingType>(type)], limit: 1000, cursor: cursor, cancellationToken: cancellationToken) is var page
                ? (page.Items, page.NextCursor)
                : default,
            10000);

    public async Task<EmployeeResources?> EmployeeResourcesAsync(string employee, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.Query.ListEmployeeResourcesAsync(employee, from: from, to: to, limit: 1000, cancellationToken: cancellationToken);
        }
        catch (ApiProblemException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string[]? Many(string? value) => string.IsNullOrEmpty(value) ? null : [value];
}
