using Dapper;
using Npgsql;

namespace DigiUsher.Testing;

/// <summary>
/// Every row an organization left in the database, found through the catalog: each base table of every
/// schema with an <c>organization_id</c> column (a table added later is checked too), DataSource's
/// <c>organizations</c> (keyed by <c>id</c>), the rows keyed by one of its users, service clients or data
/// sources (refresh tokens, codes, secrets, status rows), and the line items of its imports.
/// </summary>
public static class OrganizationRows
{
    /// <summary>The ids hanging off an organization, collected before its deletion (rows keyed by them hold no organization id).</summary>
    public sealed record Keys(IReadOnlyList<Guid> Users, IReadOnlyList<Guid> ServiceClients, IReadOnlyList<Guid> DataSources, IReadOnlyList<Guid> Imports);

    public static async Task<Keys> KeysAsync(string connectionString, Guid organizationId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        var dataSources = (await connection.QueryAsync<Guid>("select id from datasource.data_sources where organization_id = @organizationId", new { organizationId })).ToList();
        return new Keys(
            [.. await connection.QueryAsync<Guid>("select id from datasource.users where organization_id = @organizationId", new { organizationId })],
            [.. await connection.QueryAsync<Guid>("select id from datasource.service_clients where organization_id = @organizationId", new { organizationId })],
            dataSources,
            [.. await connection.QueryAsync<Guid>("select import_id from curparser.imports where organization_id = @organizationId", new { organizationId })]);
    }

    /// <summary>
    /// Row counts per table, only tables with rows. A removed data source's tombstone (a <c>data_sources</c> row
    /// with <c>removed_at</c>: its id, organization and removal time, which keeps late messages from bringing it
    /// back) is counted under <c>schema.data_sources (tombstone)</c>.
    /// </summary>
    public static async Task<Dictionary<string, long>> CountAsync(string connectionString, Guid organizationId, Keys keys)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = await connection.QueryAsync<(string Schema, string Table, bool HasRemovedAt)>(
            """
            select n.nspname, c.relname,
                   exists (select 1 from pg_attribute r where r.attrelid = c.oid and r.attname = 'removed_at' and not r.attisdropped)
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped
            where c.relkind in ('r', 'p') and not c.relispartition
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
            order by 1, 2
            """);
        var counts = new Dictionary<string, long>();
        foreach (var (schema, table, hasRemovedAt) in tables)
        {
            var tombstone = table == "data_sources" && hasRemovedAt;
            Add(counts, $"{schema}.{table}", await connection.ExecuteScalarAsync<long>(
                $"select count(*) from {schema}.\"{table}\" where organization_id = @organizationId{(tombstone ? " and removed_at is null" : string.Empty)}", new { organizationId }));
            if (tombstone)
            {
                Add(counts, $"{schema}.{table} (tombstone)", await connection.ExecuteScalarAsync<long>(
                    $"select count(*) from {schema}.\"{table}\" where organization_id = @organizationId and removed_at is not null", new { organizationId }));
            }
        }

        Add(counts, "datasource.organizations", await connection.ExecuteScalarAsync<long>("select count(*) from datasource.organizations where id = @organizationId", new { organizationId }));
        var users = keys.Users.ToArray();
        var clients = keys.ServiceClients.ToArray();
        Add(counts, "datasource.refresh_tokens", await connection.ExecuteScalarAsync<long>("select count(*) from datasource.refresh_tokens where user_id = any(@users)", new { users }));
        Add(counts, "datasource.sign_in_addresses", await connection.ExecuteScalarAsync<long>("select count(*) from datasource.sign_in_addresses where user_id = any(@users)", new { users }));
        Add(counts, "datasource.user_codes", await connection.ExecuteScalarAsync<long>("select count(*) from datasource.user_codes where user_id = any(@users)", new { users }));
        Add(counts, "datasource.service_client_secrets", await connection.ExecuteScalarAsync<long>("select count(*) from datasource.service_client_secrets where client_id = any(@clients)", new { clients }));
        foreach (var dataSource in keys.DataSources)
        {
            foreach (var (table, count) in await DataSourceRows.CountAsync(connectionString, dataSource, keys.Imports))
            {
                if (!table.EndsWith("(tombstone)", StringComparison.Ordinal))
                {
                    Add(counts, $"{table} of data source {dataSource}", count);
                }
            }
        }

        return counts;
    }

    private static void Add(Dictionary<string, long> counts, string key, long count)
    {
        if (count > 0)
        {
            counts[key] = count;
        }
    }
}
