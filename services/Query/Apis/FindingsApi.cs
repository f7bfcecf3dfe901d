using DigiUsher.Query.Findings;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

public static class FindingsApi
{
    public static RouteGroupBuilder MapFindingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/findings").WithTags("Findings").RequireScope(Scopes.FindingsRead).ScopedToOwnDataSources();
        group.MapGet("/", ListAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.FindingType, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<Finding>>()
            .WithName("ListFindings")
            .WithSummary("Waste and risk: unattached volumes, unassociated Elastic IPs, stopped instances with storage, idle instances, "
                + "snapshots of deleted volumes, public buckets, unused access keys, inactive console users")
            .WithDescription("Filters: dataSourceId, type (one or more of " + string.Join(", ", FindingTypes.All) + "); limit, cursor. "
                + "Sorted by monthly cost (the last 30 days with cost data).")
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, FindingsReader reader, CursorCodec cursors, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var types = QueryParameters.Values(query["type"]).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
        var unknown = types.FirstOrDefault(t => !FindingTypes.All.Contains(t));
        if (unknown is not null)
        {
            throw new BadParameterException("type", $"Unknown finding type '{unknown}'; use {string.Join(", ", FindingTypes.All)}.");
        }

        var dataSourceId = QueryParameters.Guid(query, "dataSourceId");
        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', http.User.GetOrganizationId(), dataSourceId, limit, string.Join(',', types.Order(StringComparer.Ordinal)));
        var offset = cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint);
        var findings = await reader.FindAsync(http.User.GetOrganizationId(), dataSourceId, types, cancellationToken);
        var page = findings.Skip((int)Math.Min(offset, int.MaxValue)).Take(limit + 1).ToList();
        return TypedResults.Ok(ResourcesApi.ToPage(page, limit, offset, cursors, fingerprint));
    }
}
