using Dapper;
using DigiUsher.Contracts;
using Npgsql;

namespace DigiUsher.Query.Data;

/// <summary>Data sources as DataSource's events describe them; a removed one stays removed and loses its data.</summary>
public sealed class DataSourceStore(NpgsqlDataSource dataSource)
{
    public async Task UpsertAsync(Guid organizationId, Guid dataSourceId, DataSourceSettings settings, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.data_sources as d (data_source_id, organization_id, name, bucket, prefix, report_name, region,
                payer_account_id, created_by_email, changed_at)
            values (@dataSourceId, @organizationId, @Name, @Bucket, @Prefix, @ReportName, @Region, @PayerAccountId, @CreatedByEmail, @occurredAt)
            on conflict (data_source_id) do update set
                name = excluded.name, bucket = excluded.bucket, prefix = excluded.prefix, report_name = excluded.report_name,
                region = excluded.region, payer_account_id = excluded.payer_account_id,
                created_by_email = excluded.created_by_email, changed_at = excluded.changed_at
            where d.removed_at is null and d.changed_at <= excluded.changed_at
            """,
            new
            {
                dataSourceId, organizationId, settings.Name, settings.Bucket, settings.Prefix, settings.ReportName, settings.Region,
                settings.PayerAccountId, settings.CreatedByEmail, occurredAt,
            });
    }

    public async Task RemoveAsync(Guid organizationId, Guid dataSourceId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.data_sources as d (data_source_id, organization_id, name, bucket, prefix, region, created_by_email,
                changed_at, removed_at)
            values (@dataSourceId, @organizationId, '', '', '', '', '', @occurredAt, @occurredAt)
            on conflict (data_source_id) do update set removed_at = coalesce(d.removed_at, excluded.removed_at);
            delete from {QueryDb.Schema}.daily_costs where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.daily_dimension_costs where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.daily_label_costs where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.hourly_costs where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.account_names where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.service_names where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.cost_periods where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.imports where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.cost_loads where data_source_id = @dataSourceId;
            delete from {QueryDb.Schema}.resources where data_source_id = @dataSourceId;
            """,
            new { dataSourceId, organizationId, occurredAt }, transaction, commandTimeout: 600);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>True when the data source was removed (late events about it are dropped).</summary>
    public async Task<bool> IsRemovedAsync(Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"select exists (select 1 from {QueryDb.Schema}.data_sources where data_source_id = @dataSourceId and removed_at is not null)",
            new { dataSourceId });
    }
}
