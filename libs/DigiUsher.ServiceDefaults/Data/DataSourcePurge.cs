using Dapper;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Deletes a removed data source's rows from every table of a service's schema that has a
/// <c>data_source_id</c> column, found in the catalog so that a table added later is purged too.
/// The schema's <c>data_sources</c> table is left to the caller: its row is the tombstone that
/// keeps late messages from bringing the data source back (the <c>refuse_removed_data_source</c>
/// trigger each schema installs on the tables late messages write to).
/// </summary>
public static class DataSourcePurge
{
    /// <summary>The table whose row for the data source is kept as the tombstone.</summary>
    public const string TombstoneTable = "data_sources";

    /// <summary>Deletes the rows; tables that reference others go first so foreign keys hold. Returns the rows deleted.</summary>
    public static async Task<int> DeleteRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, Guid dataSourceId)
    {
        var tables = await connection.QueryAsync<string>(
            """
            select c.relname
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'data_source_id' and not a.attisdropped
            where n.nspname = @schema and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> @tombstone
            order by (select count(*) from pg_constraint f where f.contype = 'f' and f.conrelid = c.oid) desc, c.relname
            """, new { schema, tombstone = TombstoneTable }, transaction);
        var deleted = 0;
        foreach (var table in tables)
        {
            deleted += await connection.ExecuteAsync(
                $"delete from {schema}.\"{table}\" where data_source_id = @dataSourceId", new { dataSourceId }, transaction, commandTimeout: 600);
        }

        return deleted;
    }
}
