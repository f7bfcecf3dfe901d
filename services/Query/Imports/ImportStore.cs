using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Query.Data;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;

namespace DigiUsher.Query.Imports;

/// <summary>
/// The import current per (data source, billing period), from <c>ReportImported</c> (a newer one
/// replaces, the same one merges, an older one is ignored), and what became of pulling each import's
/// rollup, from <c>CostsImported</c>.
/// </summary>
public sealed class ImportStore(NpgsqlDataSource dataSource)
{
    public async Task UpsertAsync(ReportImported m, DateOnly period, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {QueryDb.Schema}.imports as i (data_source_id, billing_period, organization_id, import_id, delivery_id, row_count,
                files, duration_ms, totals, is_final, imported_at)
            values (@DataSourceId, @period, @OrganizationId, @ImportId, @DeliveryId, @Rows, @Files, @durationMs, @totals::jsonb, @IsFinal, @importedAt)
            on conflict (data_source_id, billing_period) do update set
                import_id = excluded.import_id, delivery_id = excluded.delivery_id, row_count = excluded.row_count, files = excluded.files,
                duration_ms = excluded.duration_ms, totals = excluded.totals, is_final = excluded.is_final, imported_at = excluded.imported_at
            where i.import_id = excluded.import_id or i.imported_at < excluded.imported_at
            """,
            new
            {
                m.OrganizationId, m.DataSourceId, period, m.ImportId, m.DeliveryId, m.Rows, m.Files,
                durationMs = (long)m.Duration.TotalMilliseconds,
                totals = JsonSerializer.Serialize(m.Totals, JsonDefaults.Options),
                m.IsFinal, importedAt = m.ImportedAt,
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>Records what became of pulling the rollup, unless it is loaded already (a redelivery changes nothing then).</summary>
    public async Task SetCostsStatusAsync(CostsImported m, DateOnly period, CostLoadStatus status, string? detail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {QueryDb.Schema}.cost_loads as c (import_id, organization_id, data_source_id, billing_period, status, detail)
            values (@ImportId, @OrganizationId, @DataSourceId, @period, @status, @detail)
            on conflict (import_id) do update set status = excluded.status, detail = excluded.detail, updated_at = now()
            where c.status <> @loaded
            """,
            new { m.ImportId, m.OrganizationId, m.DataSourceId, period, status = StatusText.Of(status), detail, loaded = StatusText.Of(CostLoadStatus.Loaded) },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// A loading import's progress: a newer snapshot replaces an older one; an ended import, or one of a
    /// removed data source, is not written again.
    /// </summary>
    public async Task ProgressedAsync(ReportImportProgressed m, DateOnly period, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {QueryDb.Schema}.imports_in_progress as p (import_id, organization_id, data_source_id, billing_period, delivery_id,
                files_done, files, rows, rows_per_second, started_at, expected_end_at, replica, reported_at)
            select @ImportId, @OrganizationId, @DataSourceId, @period, @DeliveryId, @FilesDone, @Files, @Rows, @RowsPerSecond, @StartedAt,
                @ExpectedEndAt, @Replica, @At
            where not exists (select 1 from {QueryDb.Schema}.data_sources d where d.data_source_id = @DataSourceId and d.removed_at is not null)
            on conflict (import_id) do update set files_done = excluded.files_done, files = excluded.files, rows = excluded.rows,
                rows_per_second = excluded.rows_per_second, expected_end_at = excluded.expected_end_at, replica = excluded.replica,
                reported_at = excluded.reported_at
            where p.ended_at is null and p.organization_id = excluded.organization_id and p.reported_at < excluded.reported_at
            """,
            new
            {
                m.ImportId, m.OrganizationId, m.DataSourceId, period, m.DeliveryId, m.FilesDone, m.Files, m.Rows, m.RowsPerSecond, m.StartedAt,
                m.ExpectedEndAt, m.Replica, m.At,
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>The import ended (imported or failed): it leaves the list of imports in progress. Ended rows older than a day go.</summary>
    public async Task EndProgressAsync(Guid importId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            update {QueryDb.Schema}.imports_in_progress set ended_at = now() where import_id = @importId and ended_at is null;
            delete from {QueryDb.Schema}.imports_in_progress where ended_at < now() - interval '1 day' or reported_at < now() - interval '1 day';
            """,
            new { importId },
            cancellationToken: cancellationToken));
    }
}
