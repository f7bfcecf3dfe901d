using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Deletes a deleted organization's rows from every table of a service's schema that has an
/// <c>organization_id</c> column and no <c>data_source_id</c> one, found in the catalog so a table added
/// later is purged too. Rows of a data source are left to <see cref="DataSourcePurge"/>: the organization's
/// <see cref="DataSourceRemoved"/> events purge them under the data source's purge lock, and keep its tombstone.
/// Dispatched outbox rows about the organization go too (they hold its ids and creators' emails).
/// </summary>
public static class OrganizationPurge
{
    public static async Task<int> DeleteRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, Guid organizationId)
    {
        var tables = await connection.QueryAsync<string>(
            """
            select c.relname
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped
            where n.nspname = @schema and c.relkind in ('r', 'p') and not c.relispartition
              and not exists (select 1 from pg_attribute d where d.attrelid = c.oid and d.attname = 'data_source_id' and not d.attisdropped)
            order by (select count(*) from pg_constraint f where f.contype = 'f' and f.conrelid = c.oid) desc, c.relname
            """, new { schema }, transaction);
        var deleted = 0;
        foreach (var table in tables)
        {
            deleted += await connection.ExecuteAsync(
                $"delete from {schema}.\"{table}\" where organization_id = @organizationId", new { organizationId }, transaction, commandTimeout: 600);
        }

        if (await connection.ExecuteScalarAsync<bool>(
            "select exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = @schema and c.relname = 'outbox')", new { schema }, transaction))
        {
            deleted += await connection.ExecuteAsync(
                $"delete from {schema}.outbox where dispatched_at is not null and body->>'organizationId' = @organization",
                new { organization = organizationId.ToString() }, transaction);
        }

        return deleted;
    }
}

/// <summary>Purges what this service holds of a deleted organization outside its data sources (owner rules, settings).</summary>
public sealed class OrganizationDeletedConsumer(NpgsqlDataSource dataSource, DigiUsherService service) : IConsumer<OrganizationDeleted>
{
    public async Task Consume(ConsumeContext<OrganizationDeleted> context)
    {
        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        await OrganizationPurge.DeleteRowsAsync(connection, transaction, service.Schema, context.Message.OrganizationId);
        await transaction.CommitAsync(context.CancellationToken);
    }
}

public sealed class OrganizationDeletedConsumerDefinition : RetryingConsumerDefinition<OrganizationDeletedConsumer>;
