using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using Npgsql;

namespace DigiUsher.Query.Imports;

/// <summary>
/// The import current per (data source, billing period), from <c>ReportImported</c> and
/// <c>CostsImported</c> in any order: the same import merges, a newer one replaces, an older one is ignored.
/// </summary>
public sealed class ImportStore(NpgsqlDataSource dataSource)
{
    public async Task UpsertAsync(
        Guid organizationId, Guid dataSourceId, DateOnly period, Guid importId, string deliveryId, long rows, int? files,
        TimeSpan? duration, IReadOnlyList<CurrencyTotals> totals, bool isFinal, DateTimeOffset importedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.imports as i (data_source_id, billing_period, organization_id, import_id, delivery_id, row_count,
                files, duration_ms, totals, is_final, imported_at)
            values (@dataSourceId, @period, @organizationId, @importId, @deliveryId, @rows, @files, @durationMs, @totals::jsonb, @isFinal, @importedAt)
            on conflict (data_source_id, billing_period) do update set
                import_id = excluded.import_id,
                delivery_id = excluded.delivery_id,
                row_count = excluded.row_count,
                files = coalesce(excluded.files, i.files),
                duration_ms = coalesce(excluded.duration_ms, i.duration_ms),
                totals = excluded.totals,
                is_final = excluded.is_final,
                imported_at = excluded.imported_at,
                costs_status = case when i.import_id = excluded.import_id then i.costs_status else 'pending' end,
                costs_detail = case when i.import_id = excluded.import_id then i.costs_detail else null end,
                costs_loaded_at = case when i.import_id = excluded.import_id then i.costs_loaded_at else null end
            where i.import_id = excluded.import_id or i.imported_at < excluded.imported_at
            """,
            new
            {
                organizationId, dataSourceId, period, importId, deliveryId, rows, files,
                durationMs = duration is { } d ? (long?)d.TotalMilliseconds : null,
                totals = JsonSerializer.Serialize(totals, JsonDefaults.Options),
                isFinal, importedAt = importedAt.ToUniversalTime(),
            });
    }

    public async Task SetCostsStatusAsync(Guid dataSourceId, DateOnly period, Guid importId, string status, string? detail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            update {QueryDb.Schema}.imports set costs_status = @status, costs_detail = @detail
            where data_source_id = @dataSourceId and billing_period = @period and import_id = @importId and costs_status <> 'loaded'
            """,
            new { dataSourceId, period, importId, status, detail });
    }
}
