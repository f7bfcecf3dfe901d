using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Paging;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.Query.Apis;

/// <summary>
/// The import current for one data source and billing period. <c>CostsStatus</c>: pending (rollup not
/// pulled yet), loaded, mismatch (pulled sums differ from the totals; the previous month stays), superseded, failed.
/// </summary>
public sealed record ImportItem(
    Guid DataSourceId,
    string? DataSourceName,
    string BillingPeriod,
    Guid ImportId,
    string DeliveryId,
    long Rows,
    int? Files,
    long? DurationMs,
    IReadOnlyList<CurrencyTotals> Totals,
    bool IsFinal,
    DateTimeOffset ImportedAt,
    string CostsStatus,
    string? CostsDetail,
    DateTimeOffset? CostsLoadedAt);

public static class ImportsApi
{
    public static RouteGroupBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/imports").WithTags("Imports").RequireAuthorization(DigiUsherClaims.TenantPolicy).AddEndpointFilter<BadQueryFilter>();
        group.MapGet("/", ListAsync)
            .WithName("ListImports")
            .WithSummary("Per data source and billing period: the current delivery, its totals per metric and currency, rows, when imported, whether final")
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, NpgsqlDataSource dataSource, CursorCodec cursors, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var organizationId = http.User.GetOrganizationId();
        var dataSourceId = QueryParameters.Guid(query, "dataSourceId");
        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', organizationId, dataSourceId, limit);
        var offset = cursors.Decode(QueryParameters.Single(query, "cursor"), fingerprint);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid, string?, DateTime, Guid, string, long, int?, long?, string, bool, DateTime, string, string?, DateTime?)>(
            $"""
            select i.data_source_id, d.name, i.billing_period, i.import_id, i.delivery_id, i.row_count, i.files, i.duration_ms, i.totals::text,
                i.is_final, i.imported_at, i.costs_status, i.costs_detail, i.costs_loaded_at
            from {QueryDb.Schema}.imports i left join {QueryDb.Schema}.data_sources d on d.data_source_id = i.data_source_id
            where i.organization_id = @organizationId and (@dataSourceId::uuid is null or i.data_source_id = @dataSourceId)
            order by i.billing_period desc, i.data_source_id
            limit @take offset @offset
            """,
            new { organizationId, dataSourceId, take = limit + 1, offset });
        var items = rows.Select(r => new ImportItem(
            r.Item1, r.Item2, DateOnly.FromDateTime(r.Item3).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), r.Item4, r.Item5,
            r.Item6, r.Item7, r.Item8, JsonSerializer.Deserialize<List<CurrencyTotals>>(r.Item9, JsonDefaults.Options)!, r.Item10,
            new DateTimeOffset(DateTime.SpecifyKind(r.Item11, DateTimeKind.Utc)), r.Item12, r.Item13,
            r.Item14 is { } loaded ? new DateTimeOffset(DateTime.SpecifyKind(loaded, DateTimeKind.Utc)) : null)).ToList();
        return TypedResults.Ok(ResourcesApi.ToPage(items, limit, offset, cursors, fingerprint));
    }
}
