using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
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
                payer_account_id, created_by_email, changed_at, kind, parent_data_source_id, account_id)
            values (@dataSourceId, @organizationId, @Name, @Bucket, @Prefix, @ReportName, @Region, @PayerAccountId, @CreatedByEmail, @occurredAt,
                @Kind, @parent, @account)
            on conflict (data_source_id) do update set
                name = excluded.name, bucket = excluded.bucket, prefix = excluded.prefix, report_name = excluded.report_name,
                region = excluded.region, payer_account_id = excluded.payer_account_id,
                created_by_email = excluded.created_by_email, changed_at = excluded.changed_at,
                kind = excluded.kind, parent_data_source_id = excluded.parent_data_source_id, account_id = excluded.account_id
            where d.removed_at is null and d.changed_at <= excluded.changed_at
            """,
            new
            {
                dataSourceId, organizationId, settings.Name, settings.Bucket, settings.Prefix, settings.ReportName, settings.Region,
                settings.PayerAccountId, settings.CreatedByEmail, occurredAt, settings.Kind,
                // Only a linked data source names a root and an account: its costs are that root's rows of that account.
                parent = settings.Kind == DataSourceKinds.AwsLinked ? settings.ParentDataSourceId : null,
                account = settings.Kind == DataSourceKinds.AwsLinked ? settings.AccountId : null,
            });
    }

    /// <summary>
    /// Purges every row of the data source in Query's schema (costs, resources, imports, runs, and any
    /// table added later with a <c>data_source_id</c>) and keeps a tombstone without its settings. Idempotent.
    /// </summary>
    public async Task RemoveAsync(Guid organizationId, Guid dataSourceId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DataSourcePurge.ExcludeWritersAsync(connection, transaction, QueryDb.Schema, dataSourceId);
        var tombstoned = await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.data_sources as d (data_source_id, organization_id, name, bucket, prefix, region, created_by_email,
                changed_at, removed_at)
            values (@dataSourceId, @organizationId, '', '', '', '', '', @occurredAt, @occurredAt)
            on conflict (data_source_id) do update set removed_at = coalesce(d.removed_at, excluded.removed_at), name = '', bucket = '',
                prefix = '', report_name = null, region = '', payer_account_id = null, created_by_email = '', parent_data_source_id = null, account_id = null
            where d.organization_id = excluded.organization_id
            """,
            new { dataSourceId, organizationId, occurredAt }, transaction);
        if (tombstoned > 0)
        {
            await DataSourcePurge.DeleteRowsAsync(connection, transaction, QueryDb.Schema, dataSourceId);
        }

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
