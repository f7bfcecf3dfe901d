using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.Query.Resources;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.Query.Apis;

/// <summary>One resource with its attributes, owner and daily cost.</summary>
public sealed record ResourceDetail(
    ResourceItem Resource,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<DailyCpu>? Cpu,
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<DailyAmount> DailyCost);

/// <summary>Per data source and currency: discovered resources with and without cost, and the cost of resources discovery did not find.</summary>
public sealed record ResourceCoverage(DateOnly From, DateOnly To, string Metric, IReadOnlyList<CoverageRow> Items);

public static class ResourcesApi
{
    public static RouteGroupBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/resources").WithTags("Resources").RequireScope(Scopes.ResourcesRead).ScopedToOwnDataSources();
        group.MapGet("/", ListAsync)
            .WithParameters(
                QueryApiParameters.DataSourceId, QueryApiParameters.Kind, QueryApiParameters.Region, QueryApiParameters.Owner, QueryApiParameters.Tags,
                QueryApiParameters.Public, QueryApiParameters.Idle, QueryApiParameters.Discovered, QueryApiParameters.From, QueryApiParameters.To,
                QueryApiParameters.Metric, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<ResourceItem>>()
            .WithName("ListResources")
            .WithSummary("Discovered resources and resources that cost money, sorted by cost in the period")
            .WithDescription("Filters: dataSourceId, kind, region, owner (employee email or id), tag:KEY=VALUE (tag:KEY= for untagged), public, idle, "
                + "discovered (false: costs without a discovered resource); from, to, metric; limit, cursor.")
            .ProducesValidationProblem();
        group.MapGet("/coverage", CoverageAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.From, QueryApiParameters.To)
            .Produces<ResourceCoverage>()
            .WithName("GetResourceCoverage")
            .WithSummary("Per data source: discovered resources with and without cost, and cost of resources discovery did not find")
            .ProducesValidationProblem();
        group.MapGet("/{*id}", GetAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.Metric)
            .Produces<ResourceDetail>()
            .WithName("GetResource")
            .WithSummary("One resource (id as the CUR and discovery write it, URL-encoded) with its attributes, owner and daily cost")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    internal static async Task<IResult> ListAsync(
        HttpContext http, ResourceReader reader, CursorCodec cursors, IOptions<ApiOptions> api, IOptions<FindingsOptions> findings,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var query = http.Request.Query;
        var (from, to) = QueryParameters.Period(query, api.Value, today);
        var metric = Metric(query);
        var filter = Filter(query);
        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', http.User.GetOrganizationId(), from, to, metric, limit, JsonSerializer.Serialize(filter));
        var offset = cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint);
        var items = await reader.ListAsync(http.User.GetOrganizationId(), filter, from, to, metric, IdleRule.From(findings.Value, today), offset, limit + 1, cancellationToken);
        return TypedResults.Ok(ToPage(items, limit, offset, cursors, fingerprint));
    }

    private static async Task<IResult> CoverageAsync(
        HttpContext http, ResourceReader reader, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (from, to) = QueryParameters.Period(http.Request.Query, api.Value, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        var rows = await reader.CoverageAsync(http.User.GetOrganizationId(), QueryParameters.Guid(http.Request.Query, "dataSourceId"), from, to, cancellationToken);
        return TypedResults.Ok(new ResourceCoverage(from, to, "unblended", rows));
    }

    private static async Task<IResult> GetAsync(
        string id, HttpContext http, ResourceReader reader, IOptions<ApiOptions> api, IOptions<FindingsOptions> findings,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var query = http.Request.Query;
        var (from, to) = QueryParameters.Period(query, api.Value, today);
        var metric = Metric(query);
        var resourceId = ResourceKey.Normalize(Uri.UnescapeDataString(id));
        var organizationId = http.User.GetOrganizationId();
        var filter = new ResourceFilter(QueryParameters.Guid(query, "dataSourceId"), [], [], [], [], null, null, null, resourceId);
        var matches = await reader.ListAsync(organizationId, filter, from, to, metric, IdleRule.From(findings.Value, today), 0, 2, cancellationToken);
        if (matches.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Resource not found",
                detail: $"No resource '{resourceId}' was discovered or has costs in {from:yyyy-MM-dd}..{to:yyyy-MM-dd} in this organization.");
        }

        if (matches.Count > 1)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Ambiguous resource id",
                detail: $"'{resourceId}' exists in several data sources; pass dataSourceId.");
        }

        var resource = matches[0];
        var details = await reader.DetailsAsync(organizationId, resource.DataSourceId, resource.ResourceId, cancellationToken);
        var daily = await reader.DailyCostAsync(organizationId, resource.DataSourceId, resource.ResourceId, from, to, metric, cancellationToken);
        return TypedResults.Ok(new ResourceDetail(resource, details?.Attributes ?? new Dictionary<string, string>(), details?.Cpu, from, to, metric, daily));
    }

    internal static string Metric(IQueryCollection query)
    {
        var text = QueryParameters.Single(query, "metric") ?? "unblended";
        return CostQueryParser.Metric(text)?.Column
            ?? throw new BadParameterException("metric", $"Unknown metric '{text}'; use one of {string.Join(", ", CostQueryParser.MetricNames)}.", CostQueryParser.MetricNames);
    }

    internal static ResourceFilter Filter(IQueryCollection query, string? owner = null)
    {
        var tags = query.Where(q => q.Key.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && q.Key.Length > 4)
            .Select(q => (q.Key[4..], (IReadOnlyList<string>)QueryParameters.Values(q.Value).Distinct(StringComparer.Ordinal).ToList()))
            .OrderBy(t => t.Item1, StringComparer.Ordinal)
            .ToList();
        return new ResourceFilter(
            QueryParameters.Guid(query, "dataSourceId"),
            QueryParameters.Values(query["kind"]).Where(v => v.Length > 0).ToList(),
            QueryParameters.Values(query["region"]).Where(v => v.Length > 0).ToList(),
            owner is null ? QueryParameters.Values(query["owner"]).Where(v => v.Length > 0).ToList() : [owner],
            tags,
            QueryParameters.Bool(query, "public"),
            QueryParameters.Bool(query, "idle"),
            QueryParameters.Bool(query, "discovered"));
    }

    internal static Page<T> ToPage<T>(IReadOnlyList<T> items, int limit, long offset, CursorCodec cursors, string fingerprint) =>
        Page<T>.Of(items, limit, _ => cursors.EncodeOffset(offset + limit, fingerprint));
}
