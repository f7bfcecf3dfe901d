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
}
