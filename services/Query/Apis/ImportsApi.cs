using System.Globalization;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.Query.Imports;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Hosting;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using DigiUsher.ServiceDefaults.Api;

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
        var group = app.MapGroup("/api/v1/imports").WithTags("Imports").RequireScope(Scopes.ImportsRead);
        group.MapGet("/", ListAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<ImportItem>>()
            .WithName("ListImports")
            .WithSummary("Per data source and billing period: the current delivery, its totals per metric and currency, rows, when imported, whether final")
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, ApiDataSource dataSource, CursorCodec cursors, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var organizationId = http.User.GetOrganizationId();
        var dataSourceId = QueryParameters.Guid(query, "dataSourceId");
        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', organizationId, dataSourceId, limit);
        var offset = cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ImportRow>(
            $"""
            select i.data_source_id as datasourceid, d.name as datasourcename, i.billing_period as billingperiod, i.import_id as importid,
                i.delivery_id as deliveryid, i.row_count as rows, i.files, i.duration_ms as durationms, i.totals::text as totals,
                i.is_final as isfinal, i.imported_at as importedat, coalesce(c.status, @pending) as costsstatus, c.detail as costsdetail,
                c.loaded_at as costsloadedat
            from {QueryDb.Schema}.imports i
            left join {QueryDb.Schema}.data_sources d on d.data_source_id = i.data_source_id
            left join {QueryDb.Schema}.cost_loads c on c.import_id = i.import_id
            where i.organization_id = @organizationId and (@dataSourceId::uuid is null or i.data_source_id = @dataSourceId)
            order by i.billing_period desc, i.data_source_id
            limit @take offset @offset
            """,
            new { organizationId, dataSourceId, take = limit + 1, offset, pending = StatusText.Of(CostLoadStatus.Pending) });
        var items = rows.Select(r => r.ToItem()).ToList();
        return TypedResults.Ok(ResourcesApi.ToPage(items, limit, offset, cursors, fingerprint));
    }

    /// <summary>A row of <c>imports</c> with its data source's name and its cost load.</summary>
    private sealed record ImportRow(
        Guid DataSourceId, string? DataSourceName, DateOnly BillingPeriod, Guid ImportId, string DeliveryId, long Rows, int? Files,
        long? DurationMs, string Totals, bool IsFinal, DateTime ImportedAt, string CostsStatus, string? CostsDetail, DateTime? CostsLoadedAt)
    {
        public ImportItem ToItem() => new(
            DataSourceId, DataSourceName, BillingPeriod.ToString("yyyy-MM", CultureInfo.InvariantCulture), ImportId,
            DeliveryId, Rows, Files, DurationMs, JsonSerializer.Deserialize<List<CurrencyTotals>>(Totals, JsonDefaults.Options)!, IsFinal,
            DbTime.Utc(ImportedAt), CostsStatus, CostsDetail, DbTime.Utc(CostsLoadedAt));
    }
}
