using DigiUsher.Query.Costs;
using DigiUsher.ServiceDefaults.Api;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query.Apis;

/// <summary>The answer of <c>GET /api/v1/costs</c>.</summary>
/// <param name="From">First day included.</param>
/// <param name="To">Last day included.</param>
/// <param name="Metric">The metric summed.</param>
/// <param name="GroupBy">The dimensions of the group keys.</param>
/// <param name="Currency">The currency of <paramref name="Total"/> when the costs are in one currency; null when there are several.</param>
/// <param name="Total">The total of all groups (all pages) when in one currency.</param>
/// <param name="Totals">The total per currency.</param>
/// <param name="Items">This page of groups: the group keys (by dimension), the currency and the amount.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last.</param>
/// <param name="Sources">What the answer is made of: per data source and billing period, the import, delivery, whether final, and as of when.</param>
public sealed record CostsResponse(
    DateOnly From,
    DateOnly To,
    string Metric,
    IReadOnlyList<string> GroupBy,
    string? Currency,
    decimal? Total,
    IReadOnlyList<CurrencyAmount> Totals,
    IReadOnlyList<CostGroup> Items,
    string? NextCursor,
    IReadOnlyList<CostSource> Sources);

/// <summary>One group of <c>GET /api/v1/costs</c>.</summary>
/// <param name="Keys">The group's value per dimension of groupBy (day and month included).</param>
/// <param name="Currency">The currency of the amount.</param>
/// <param name="Amount">The metric's sum.</param>
/// <param name="Names">
/// Display names of the keys that have one: service names, account names (from AWS Organizations before
/// the CUR's, see the README), resource names.
/// </param>
public sealed record CostGroup(IReadOnlyDictionary<string, string> Keys, string Currency, decimal Amount, IReadOnlyDictionary<string, string>? Names);

/// <summary>A range of days.</summary>
public sealed record CostPeriod(DateOnly From, DateOnly To);

/// <summary>The answer of <c>POST /api/v1/costs/query</c>.</summary>
/// <param name="Period">The days summed.</param>
/// <param name="PreviousPeriod">The days compared against, with compareTo previousPeriod.</param>
/// <param name="Granularity">The time buckets of the items.</param>
/// <param name="Metrics">The metrics of every item, in the order asked.</param>
/// <param name="GroupBy">The dimensions of the items' keys.</param>
/// <param name="Totals">Per currency, the sums of every group (all pages).</param>
/// <param name="Items">This page of groups: time buckets in order, then the largest first (by the first metric).</param>
/// <param name="ItemCount">Groups on all pages; null on a page past the last.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> (with the same body) for the next page; null on the last.</param>
/// <param name="Sources">What the answer is made of: per data source and billing period, the import, delivery, whether final, and as of when.</param>
/// <param name="DataAsOf">The oldest import read: every figure is at least this fresh.</param>
public sealed record CostQueryResponse(
    CostPeriod Period,
    CostPeriod? PreviousPeriod,
    string Granularity,
    IReadOnlyList<string> Metrics,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<CostTotal> Totals,
    IReadOnlyList<CostItem> Items,
    long? ItemCount,
    string? NextCursor,
    IReadOnlyList<CostSource> Sources,
    DateTimeOffset? DataAsOf);

public static class CostsApi
{
    public static RouteGroupBuilder MapCostsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/costs").WithTags("Costs").RequireScope(Scopes.CostsRead).AddEndpointFilter<OwnerScopeFilter>().ScopedToOwnDataSources();
        ApiParameter[] query = [
            QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.Metric, QueryApiParameters.GroupBy, .. QueryApiParameters.CostFilters,
            QueryApiParameters.Tags, QueryApiParameters.DataSourceId];
        group.MapGet("/", GetCostsAsync)
            .WithParameters([.. query, QueryApiParameters.Limit(app), ApiParameter.Cursor])
            .Produces<CostsResponse>()
            .RequireTenantRateLimit(TenantRateLimits.Queries)
            .WithName("GetCosts")
            .WithSummary("Costs in a date range, summed by up to three dimensions, per currency")
            .WithDescription("Groups come time keys first in time order, then the biggest amounts. Filters are named like the dimensions "
                + "(service=AmazonEC2,AmazonS3; tag:team=web; tag:team= for untagged). The ETag changes when an import replaces a billing period. "
                + "POST /api/v1/costs/query takes filter expressions, several metrics, granularities and comparisons.")
            .ProducesValidationProblem();
        group.MapGet("/export", ExportAsync)
            .WithParameters(query)
            .WithMetadata(new StreamedResponse())
            .RequireTenantRateLimit(TenantRateLimits.Exports)
            .WithName("ExportCosts")
            .WithSummary("The same query as CSV, streamed (all groups, no paging; at most Api:MaxExportRows groups)")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/query", QueryAsync)
            .Accepts<CostQueryRequest>("application/json")
            .Produces<CostQueryResponse>()
            .RequireTenantRateLimit(TenantRateLimits.Queries)
            .WithName("QueryCosts")
            .WithSummary("Costs filtered by an expression, grouped by up to three dimensions, in time buckets, several metrics, against the previous period")
            .WithDescription("Every answer is read from one snapshot and says what it is made of (sources). Unknown fields, dimensions, "
                + "operators or metrics are a 400 that lists what is allowed.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/export", ExportQueryAsync)
            .Accepts<CostQueryRequest>("application/json")
            .RequireTenantRateLimit(TenantRateLimits.Exports)
            .WithName("ExportCostQuery")
            .WithSummary("A cost query's groups as CSV, streamed (no paging: limit and cursor are refused; at most Api:MaxExportRows groups)")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/forecast", ForecastAsync)
            .Accepts<CostForecastRequest>("application/json")
            .Produces<CostForecast>()
            .RequireTenantRateLimit(TenantRateLimits.Queries)
            .WithName("ForecastCosts")
            .WithSummary("Forecast of the rest of the month and the next three months with an 80% interval, per currency")
            .WithDescription(CostForecaster.Method + ".")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/dimensions/{dimension}/values", ValuesAsync)
            .WithParameters(QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.DataSourceId, QueryApiParameters.StartsWith,
                QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<DimensionValue>>()
            .WithName("ListCostDimensionValues")
            .WithSummary("The values a dimension (service, account, ..., tag:KEY, costCategory:NAME) has in a period, with line items and cost")
            .ProducesValidationProblem();
        MapKeys(group, app, "/tags", CostDimensionKind.Tag, "ListCostTagKeys", "The tag keys on costs in a period, with how many values and line items");
        MapKeys(group, app, "/cost-categories", CostDimensionKind.CostCategory, "ListCostCategories",
            "The cost categories on costs in a period, with how many values and line items");
        return group;
    }

    private static void MapKeys(RouteGroupBuilder group, IEndpointRouteBuilder app, string path, CostDimensionKind kind, string name, string summary) =>
        group.MapGet(path, (HttpContext http, CostValuesReader reader, CursorCodec cursors, IOptions<ApiOptions> api, TimeProvider clock, CancellationToken ct) =>
                KeysAsync(http, reader, cursors, api.Value, clock, kind, ct))
            .WithParameters(QueryApiParameters.From, QueryApiParameters.To, QueryApiParameters.DataSourceId, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<LabelKey>>()
            .WithName(name)
            .WithSummary(summary)
            .ProducesValidationProblem();

    private static async Task<IResult> GetCostsAsync(
        HttpContext http, CostReader reader, CursorCodec cursors, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = CostQueryParser.Parse(http.User.GetOrganizationId(), http.Request.Query, options.Value, Today(clock));
        var offset = cursors.DecodeOffset(QueryParameters.Single(http.Request.Query, "cursor"), query.Fingerprint);
        if (await reader.SourceVersionAsync(query, cancellationToken) is { } version && ETags.Answer(http, ETags.Of($"{version}|{query.Fingerprint}|{offset}")))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var answer = await reader.QueryAsync(query, offset, cancellationToken);
        var metric = query.Metrics[0];
        var totals = answer.Totals.Select(t => new CurrencyAmount(t.Currency, t.Amounts[metric.Name])).ToList();
        var groups = answer.Items.Select(i => new CostGroup(CostQueryParser.Keys(http.Request.Query, i), i.Currency, i.Amounts[metric.Name], i.Names)).ToList();
        return TypedResults.Ok(new CostsResponse(
            query.Range.From, query.Range.To, metric.Column, CostQueryParser.Keys(http.Request.Query),
            totals.Count == 1 ? totals[0].Currency : null, totals.Count switch { 0 => 0m, 1 => totals[0].Amount, _ => null },
            totals, groups, Next(answer, query, offset, cursors), answer.Sources));
    }

    private static async Task<IResult> QueryAsync(
        HttpContext http, CostReader reader, CursorCodec cursors, IOptions<ApiOptions> api, IOptions<CostsOptions> costs, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CostQueryRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await DataSourceScopeFilter.RequireOwnAsync(http, request!.DataSourceId, cancellationToken);
        var query = CostQueryBinder.Bind(request!, http.User.GetOrganizationId(), api.Value, costs.Value, Today(clock));
        var offset = cursors.DecodeOffset(request!.Cursor, query.Fingerprint);
        var answer = await reader.QueryAsync(query, offset, cancellationToken);
        return TypedResults.Ok(new CostQueryResponse(
            new CostPeriod(query.Range.From, query.Range.To),
            query.PreviousRange is { } previous ? new CostPeriod(previous.From, previous.To) : null,
            query.Granularity.ToString().ToLowerInvariant(), [.. query.Metrics.Select(m => m.Name)], [.. query.GroupBy.Select(g => g.Name)],
            answer.Totals, answer.Items, answer.Items.Count == 0 && offset > 0 ? null : answer.ItemCount,
            Next(answer, query, offset, cursors), answer.Sources, answer.DataAsOf));
    }

    private static async Task<IResult> ExportAsync(HttpContext http, CostReader reader, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var query = CostQueryParser.Parse(http.User.GetOrganizationId(), http.Request.Query, options.Value, Today(clock));
        var keys = CostQueryParser.Keys(http.Request.Query);
        var metric = query.Metrics[0];
        return await CostCsv.WriteAsync(http, reader, query, options.Value,
            [.. keys, "currency", metric.Column],
            item => [.. CostQueryParser.Keys(http.Request.Query, item).Values, item.Currency, CostCsv.Number(item.Amounts[metric.Name])],
            cancellationToken);
    }

    private static async Task<IResult> ExportQueryAsync(
        HttpContext http, CostReader reader, IOptions<ApiOptions> api, IOptions<CostsOptions> costs, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CostQueryRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Limit is not null || request.Cursor is not null)
        {
            throw new BadParameterException(request.Limit is not null ? "limit" : "cursor", "An export is not paged: it streams every group; leave out limit and cursor.");
        }

        await DataSourceScopeFilter.RequireOwnAsync(http, request.DataSourceId, cancellationToken);
        var query = CostQueryBinder.Bind(request, http.User.GetOrganizationId(), api.Value, costs.Value, Today(clock));
        return await CostCsv.WriteAsync(http, reader, query, api.Value, CostCsv.Header(query), item => CostCsv.Row(query, item), cancellationToken);
    }

    private static async Task<IResult> ForecastAsync(
        HttpContext http, CostForecasts forecasts, CancellationToken cancellationToken)
    {
        var (request, problem) = await RequestBody.ReadAsync<CostForecastRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await DataSourceScopeFilter.RequireOwnAsync(http, request!.DataSourceId, cancellationToken);
        var (metric, filter) = CostQueryBinder.BindForecast(request!);
        var forecast = await forecasts.ForecastAsync(http.User.GetOrganizationId(), request!.DataSourceId, metric, filter, cancellationToken);
        return forecast is { Items.Count: > 0 }
            ? TypedResults.Ok(forecast)
            : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Not enough cost data to forecast",
                detail: $"A forecast needs at least {CostForecaster.MinimumDays} days of costs matching the filter; "
                    + (forecast is null ? "no costs are loaded yet." : $"the data ends {CostRange.Text(forecast.LastCompleteDay)}."));
    }

    private static async Task<IResult> ValuesAsync(
        string dimension, HttpContext http, CostValuesReader reader, CursorCodec cursors, IOptions<ApiOptions> api, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var parsed = CostQueryBinder.Dimension(dimension, "dimension");
        var (query, range, limit, offset, fingerprint) = ListParameters(http, cursors, api.Value, clock, parsed.Name);
        var startsWith = QueryParameters.Single(query, "startsWith");
        var values = await reader.ValuesAsync(
            http.User.GetOrganizationId(), QueryParameters.Guid(query, "dataSourceId"), range, parsed, startsWith, offset, limit + 1, cancellationToken);
        return TypedResults.Ok(ResourcesApi.ToPage(values, limit, offset, cursors, fingerprint + "|" + startsWith));
    }

    private static async Task<IResult> KeysAsync(
        HttpContext http, CostValuesReader reader, CursorCodec cursors, ApiOptions api, TimeProvider clock, CostDimensionKind kind, CancellationToken cancellationToken)
    {
        var (query, range, limit, offset, fingerprint) = ListParameters(http, cursors, api, clock, kind.ToString());
        var keys = await reader.KeysAsync(http.User.GetOrganizationId(), QueryParameters.Guid(query, "dataSourceId"), range, kind, offset, limit + 1, cancellationToken);
        return TypedResults.Ok(ResourcesApi.ToPage(keys, limit, offset, cursors, fingerprint));
    }

    private static (IQueryCollection Query, CostRange Range, int Limit, long Offset, string Fingerprint) ListParameters(
        HttpContext http, CursorCodec cursors, ApiOptions api, TimeProvider clock, string what)
    {
        var query = http.Request.Query;
        var (from, to) = QueryParameters.Period(query, api, Today(clock));
        var limit = QueryParameters.Limit(query, api);
        var fingerprint = string.Join('|', http.User.GetOrganizationId(), what, from, to, QueryParameters.Single(query, "dataSourceId"), limit, QueryParameters.Single(query, "startsWith"));
        return (query, new CostRange(from, to), limit, cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint), fingerprint);
    }

    private static string? Next(CostAnswer answer, CostQuery query, long offset, CursorCodec cursors) =>
        offset + answer.Items.Count < answer.ItemCount ? cursors.EncodeOffset(offset + query.Limit, query.Fingerprint) : null;

    private static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}

/// <summary>
/// Owners are people (their emails come from tags): grouping or filtering costs by owner needs
/// <c>employees:read</c> besides <c>costs:read</c>, so a service client reading costs reads no emails.
/// </summary>
public sealed class OwnerScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var query = http.Request.Query;
        var byOwner = query.ContainsKey("owner")
            || query["groupBy"].Any(g => g is not null && g.Split(',').Any(d => d.Trim().Equals("owner", StringComparison.OrdinalIgnoreCase)));
        if (byOwner && !http.User.HasScope(Scopes.EmployeesRead))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: $"Grouping or filtering by owner shows people's emails: it needs the scope '{Scopes.EmployeesRead}' besides '{Scopes.CostsRead}'.",
                extensions: new Dictionary<string, object?> { ["requiredScopes"] = new[] { Scopes.EmployeesRead } });
        }

        return await next(context);
    }
}
