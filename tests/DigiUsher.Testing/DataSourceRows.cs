using Dapper;
using Npgsql;

namespace DigiUsher.Testing;

/// <summary>
/// Every row a data source left in the database, found through the catalog rather than a list of
/// tables: each base table of every schema with a <c>data_source_id</c> column (a table added later
/// is checked too), DataSource's own <c>data_sources</c> (keyed by <c>id</c>), and the line item and
/// rollup partitions of given CurParser imports (which hold no data source id).
/// </summary>
public static class DataSourceRows
{
    /// <summary>
    /// Row counts per table (<c>schema.table</c>), only tables with rows. A <c>data_sources</c> row whose
    /// <c>removed_at</c> is set is a tombstone (it keeps late messages from bringing the data source back)
    /// and is counted under <c>schema.data_sources (tombstone)</c>.
    /// </summary>
    public static async Task<Dictionary<string, long>> CountAsync(string connectionString, Guid dataSourceId, IReadOnlyCollection<Guid>? importIds = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = await connection.QueryAsync<(string Schema, string Table, bool HasRemovedAt)>(
            """
            select n.nspname, c.relname,
                   exists (select 1 from pg_attribute r where r.attrelid = c.oid and r.attname = 'removed_at' and not r.attisdropped)
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'data_source_id' and not a.attisdropped
            where c.relkind in ('r', 'p') and not c.relispartition
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
            order by 1, 2
            """);
        var counts = new Dictionary<string, long>();
        foreach (var (schema, table, hasRemovedAt) in tables)
        {
            if (table == "data_sources" && hasRemovedAt)
            {
                Add(counts, $"{schema}.{table}", await connection.ExecuteScalarAsync<long>(
                    $"select count(*) from {schema}.\"{table}\" where data_source_id = @dataSourceId and removed_at is null", new { dataSourceId }));
                Add(counts, $"{schema}.{table} (tombstone)", await connection.ExecuteScalarAsync<long>(
                    $"select count(*) from {schema}.\"{table}\" where data_source_id = @dataSourceId and removed_at is not null", new { dataSourceId }));
            }
            else
            {
                Add(counts, $"{schema}.{table}", await connection.ExecuteScalarAsync<long>(
                    $"select count(*) from {schema}.\"{table}\" where data_source_id = @dataSourceId", new { dataSourceId }));
            }
        }

        Add(counts, "datasource.data_sources", await connection.ExecuteScalarAsync<long>(
            "select count(*) from datasource.data_sources where id = @dataSourceId", new { dataSourceId }));
        foreach (var importId in importIds ?? [])
        {
            Add(counts, $"curparser partitions of import {importId}", await connection.ExecuteScalarAsync<long>(
                "select count(*) from pg_class where relname in (@lineItems, @dailyCosts)",
                new { lineItems = $"line_items_{importId:N}", dailyCosts = $"daily_costs_{importId:N}" }));
            Add(counts, $"curparser.line_items of import {importId}", await connection.ExecuteScalarAsync<long>(
                "select count(*) from curparser.line_items where import_id = @importId", new { importId }));
        }

        return counts;
    }

    /// <summary>The CurParser imports of a data source (their partitions are checked after a purge).</summary>
    public static async Task<List<Guid>> ImportIdsAsync(string connectionString, Guid dataSourceId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return [.. await connection.QueryAsync<Guid>("select import_id from curparser.imports where data_source_id = @dataSourceId", new { dataSourceId })];
    }

    private static void Add(Dictionary<string, long> counts, string key, long count)
    {
        if (count > 0)
        {
            counts[key] = count;
        }
    }
}
