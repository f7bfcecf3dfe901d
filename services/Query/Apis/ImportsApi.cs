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

/// <summary>An import loading now, as its parser last reported it (every few seconds).</summary>
/// <param name="DataSourceId">The data source.</param>
/// <param name="DataSourceName">Its name.</param>
/// <param name="BillingPeriod">The month, <c>yyyy-MM</c>.</param>
/// <param name="ImportId">The import loading.</param>
/// <param name="DeliveryId">The delivery it loads.</param>
/// <param name="FilesDone">Files of the delivery read to their end.</param>
/// <param name="Files">Files of the delivery.</param>
/// <param name="Rows">Rows loaded so far.</param>
/// <param name="RowsPerSecond">Rows loaded per second since the import started.</param>
/// <param name="StartedAt">When the import started.</param>
/// <param name="ExpectedEndAt">When loading is expected to end (from the share of the delivery's bytes read); the swap follows.</param>
/// <param name="Replica">The parser replica holding the delivery (shown to admins only).</param>
/// <param name="ReportedAt">When the parser took this snapshot.</param>
public sealed record ImportInProgressItem(
    Guid DataSourceId,
    string? DataSourceName,
    string BillingPeriod,
    Guid ImportId,
    string DeliveryId,
    int FilesDone,
    int Files,
    long Rows,
    double RowsPerSecond,
    DateTimeOffset StartedAt,
    DateTimeOffset? ExpectedEndAt,
    string? Replica,
    DateTimeOffset ReportedAt);

public static class ImportsApi
{
    /// <summary>
    /// A loading import reports every few seconds (CurParser's <c>ProgressInterval</c>, 5 s by default);
    /// one silent this long stopped without an outcome (its replica died) and is not shown as loading.
    /// </summary>
    private static readonly TimeSpan SilentAfter = TimeSpan.FromMinutes(2);

    public static RouteGroupBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/imports").WithTags("Imports").RequireScope(Scopes.ImportsRead).ScopedToOwnDataSources();
        group.MapGet("/", ListAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<ImportItem>>()
            .WithName("ListImports")
            .WithSummary("Per data source and billing period: the current delivery, its totals per metric and currency, rows, when imported, whether final")
            .ProducesValidationProblem();
        group.MapGet("/in-progress", ListInProgressAsync)
            .WithParameters(QueryApiParameters.DataSourceId, QueryApiParameters.Limit(app), ApiParameter.Cursor)
            .Produces<Page<ImportInProgressItem>>()
            .WithName("ListImportsInProgress")
            .WithSummary("Imports loading now: files done of files, rows so far, rows per second, the expected end (and, for admins, the parser replica holding each)")
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> ListInProgressAsync(
        HttpContext http, ApiDataSource dataSource, CursorCodec cursors, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var organizationId = http.User.GetOrganizationId();
        var dataSourceId = QueryParameters.Guid(query, "dataSourceId");
        var limit = QueryParameters.Limit(query, api.Value);
        var fingerprint = string.Join('|', "in-progress", organizationId, dataSourceId, limit);
        var offset = cursors.DecodeOffset(QueryParameters.Single(query, "cursor"), fingerprint);
        var showReplica = http.User.FindFirst(DigiUsherClaims.Role)?.Value == DigiUsherClaims.AdminRole;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<InProgressRow>(
            $"""
            select p.data_source_id as datasourceid, d.name as datasourcename, p.billing_period as billingperiod, p.import_id as importid,
                p.delivery_id as deliveryid, p.files_done as filesdone, p.files, p.rows, p.rows_per_second as rowspersecond,
                p.started_at as startedat, p.expected_end_at as expectedendat, p.replica, p.reported_at as reportedat
            from {QueryDb.Schema}.imports_in_progress p
            left join {QueryDb.Schema}.data_sources d on d.data_source_id = p.data_source_id
            where p.organization_id = @organizationId and (@dataSourceId::uuid is null or p.data_source_id = @dataSourceId)
              and p.ended_at is null and p.reported_at > now() - @silentAfter
              and not exists (select 1 from {QueryDb.Schema}.imports i where i.import_id = p.import_id)
            order by p.started_at, p.import_id
            limit @take offset @offset
            """,
            new { organizationId, dataSourceId, silentAfter = SilentAfter, take = limit + 1, offset });
        var items = rows.Select(r => r.ToItem(showReplica)).ToList();
        return TypedResults.Ok(ResourcesApi.ToPage(items, limit, offset, cursors, fingerprint));
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

    /// <summary>A row of <c>imports_in_progress</c> with its data source's name.</summary>
    private sealed record InProgressRow(
        Guid DataSourceId, string? DataSourceName, DateOnly BillingPeriod, Guid ImportId, string DeliveryId, int FilesDone, int Files, long Rows,
        double RowsPerSecond, DateTime StartedAt, DateTime? ExpectedEndAt, string Replica, DateTime ReportedAt)
    {
        public ImportInProgressItem ToItem(bool showReplica) => new(
            DataSourceId, DataSourceName, BillingPeriod.ToString("yyyy-MM", CultureInfo.InvariantCulture), ImportId, DeliveryId, FilesDone, Files,
            Rows, RowsPerSecond, DbTime.Utc(StartedAt), DbTime.Utc(ExpectedEndAt), showReplica ? Replica : null, DbTime.Utc(ReportedAt));
    }
}
