using Dapper;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Deletes a removed data source's rows from every table of a service's schema that has a
/// <c>data_source_id</c> column, found in the catalog so that a table added later is purged too.
/// The schema's <c>data_sources</c> table is left to the caller: its row is the tombstone that
/// keeps late messages from bringing the data source back (the <c>refuse_removed_data_source</c>
/// trigger, defined once in <c>refuse_removed.sql</c>, that each schema installs on the tables late messages write to).
/// </summary>
public static class DataSourcePurge
{
    /// <summary>The table whose row for the data source is kept as the tombstone.</summary>
    public const string TombstoneTable = "data_sources";

    /// <summary>
    /// The trigger function that refuses a removed data source's rows (<c>refuse_removed.sql</c>, installed as the
    /// shared migration <c>0000_refuse_removed</c> in every schema whose migrations use it).
    /// </summary>
    public const string RefuseRemovedFunction = "refuse_removed_data_source";

    /// <summary>
    /// Takes the data source's purge lock for the transaction, before the tombstone is written. Each schema's
    /// <c>refuse_removed_data_source</c> trigger takes the same lock shared (both compute its key with the schema's
    /// <c>purge_lock_key</c> function, <c>refuse_removed.sql</c>), so a writer whose transaction began before the
    /// tombstone existed either commits before the purge deletes (and its rows are deleted with the rest), or waits
    /// for the purge and then sees the tombstone. Without it, rows inserted but not committed when the purge ran
    /// were invisible to its deletes and survived it (a discovery run still writing resources).
    /// </summary>
    public static Task ExcludeWritersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, Guid dataSourceId) =>
        connection.ExecuteAsync(
            $"select pg_advisory_xact_lock({schema}.purge_lock_key(@dataSourceId))", new { dataSourceId }, transaction, commandTimeout: 600);

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
