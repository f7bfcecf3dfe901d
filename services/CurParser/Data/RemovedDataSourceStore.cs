using Dapper;
using DigiUsher.CurParser.Importing;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;

namespace DigiUsher.CurParser.Data;

/// <summary>Removed data sources: their purge (line items, rollups, imports, deliveries) and the tombstone that outlives it.</summary>
public sealed class RemovedDataSourceStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Writes the tombstone, drops the partitions of every import of the data source and deletes its rows from every
    /// table with a <c>data_source_id</c>, in one transaction. An import still loading holds its partition, so the
    /// drop waits for it; once the tombstone is committed the schema's trigger refuses its later inserts. Idempotent;
    /// a removal naming another organization than the data source's changes nothing.
    /// </summary>
    public async Task RemoveAsync(Guid organizationId, Guid dataSourceId, DateTimeOffset removedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DataSourcePurge.ExcludeWritersAsync(connection, transaction, CurParserDb.Schema, dataSourceId);
        var owner = await connection.QuerySingleOrDefaultAsync<Guid?>(
            $"""
            select organization_id from {CurParserDb.Schema}.imports where data_source_id = @dataSourceId
            union all
            select organization_id from {CurParserDb.Schema}.deliveries where data_source_id = @dataSourceId
            limit 1
            """, new { dataSourceId }, transaction);
        if (owner is { } known && known != organizationId)
        {
            return;
        }

        await connection.ExecuteAsync(
            $"""
            insert into {CurParserDb.Schema}.data_sources (data_source_id, organization_id, removed_at)
            values (@dataSourceId, @organizationId, @removedAt)
            on conflict (data_source_id) do nothing
            """, new { dataSourceId, organizationId, removedAt = removedAt.UtcDateTime }, transaction);
        var imports = await connection.QueryAsync<Guid>(
            $"select import_id from {CurParserDb.Schema}.imports where data_source_id = @dataSourceId", new { dataSourceId }, transaction);
        foreach (var importId in imports)
        {
            foreach (var table in new[] { "daily_costs", "line_items" })
            {
                await connection.ExecuteAsync(
                    $"drop table if exists {LineItemLoader.PartitionOf(CurParserDb.Schema, table, importId)}", transaction: transaction, commandTimeout: 600);
            }
        }

        await DataSourcePurge.DeleteRowsAsync(connection, transaction, CurParserDb.Schema, dataSourceId);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>True when the data source was removed: a message about it is dropped.</summary>
    public async Task<bool> IsRemovedAsync(Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"select exists (select 1 from {CurParserDb.Schema}.data_sources where data_source_id = @dataSourceId)",
            new { dataSourceId }, cancellationToken: cancellationToken));
    }
}
