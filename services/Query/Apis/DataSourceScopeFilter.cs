using DigiUsher.Query.Data;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.Query.Apis;

/// <summary>
/// A <c>dataSourceId</c> that is not the caller's organization's is a 404 naming the parameter, whether it is
/// unknown or another organization's (the same answer, so nothing tells the two apart). The query string's is
/// checked before the endpoint runs; a body's (<c>POST /costs/query</c>) by <see cref="RequireOwnAsync"/>, whose
/// refusal this filter turns into the same 404.
/// </summary>
public sealed class DataSourceScopeFilter(DataSourceOwnership ownership) : IEndpointFilter
{
    public const string Parameter = "dataSourceId";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (QueryParameters.Guid(http.Request.Query, Parameter) is { } dataSourceId
            && !await ownership.IsOwnAsync(http.User.GetOrganizationId(), dataSourceId, http.RequestAborted))
        {
            return NotFound(Parameter, dataSourceId);
        }

        try
        {
            return await next(context);
        }
        catch (ForeignDataSourceException ex) when (!http.Response.HasStarted)
        {
            return NotFound(ex.Parameter, ex.DataSourceId);
        }
    }

    /// <summary>Refuses a body's data source id that is not the organization's (the filter answers 404).</summary>
    public static async Task RequireOwnAsync(HttpContext http, Guid? dataSourceId, CancellationToken cancellationToken)
    {
        if (dataSourceId is { } id
            && !await http.RequestServices.GetRequiredService<DataSourceOwnership>().IsOwnAsync(http.User.GetOrganizationId(), id, cancellationToken))
        {
            throw new ForeignDataSourceException(Parameter, id);
        }
    }

    public static IResult NotFound(string parameter, Guid dataSourceId)
    {
        var detail = $"{parameter}: no data source {dataSourceId} in your organization.";
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown data source", detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["parameter"] = parameter,
                ["errors"] = new Dictionary<string, string[]> { [parameter] = [detail] },
            });
    }

    private sealed class ForeignDataSourceException(string parameter, Guid dataSourceId) : Exception($"No data source {dataSourceId} in the organization.")
    {
        public string Parameter { get; } = parameter;

        public Guid DataSourceId { get; } = dataSourceId;
    }
}

public static class DataSourceScopeExtensions
{
    /// <summary>Every endpoint of the group checks its data source ids (<see cref="DataSourceScopeFilter"/>) and documents the 404.</summary>
    public static RouteGroupBuilder ScopedToOwnDataSources(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<DataSourceScopeFilter>();
        group.ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }
}
