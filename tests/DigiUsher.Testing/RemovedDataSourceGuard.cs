using System.Reflection;
using Dapper;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;
using Xunit;

namespace DigiUsher.Testing;

/// <summary>
/// The guard of a removed data source's tombstone in a service's schema, on a database migrated by the
/// service's own scripts: the shared <c>refuse_removed_data_source</c> trigger (ServiceDefaults'
/// <c>refuse_removed.sql</c>) on every table late messages write to, and its purge lock, which must be the
/// one <see cref="DataSourcePurge.ExcludeWritersAsync"/> takes. Each schema that keeps tombstones runs both checks.
/// </summary>
public sealed class RemovedDataSourceGuard : IAsyncDisposable
{
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(1);

    private readonly TestDatabase _database;
    private readonly string _service;

    private RemovedDataSourceGuard(TestDatabase database, string service, string schema)
    {
        _database = database;
        _service = service;
        Schema = schema;
    }

    public string Schema { get; }

    /// <summary>A fresh database with <paramref name="service"/>'s migrations (from <paramref name="serviceAssembly"/>) applied.</summary>
    public static async Task<RemovedDataSourceGuard> MigrateAsync(string service, Assembly serviceAssembly)
    {
        var database = await TestDatabase.CreateAsync();
        await database.MigrateAsync(service, serviceAssembly);
        return new RemovedDataSourceGuard(database, service, TestDatabase.Schemas[service]);
    }

    /// <summary>
    /// Asserts that every table of the schema with a <c>data_source_id</c> (but the tombstones and <paramref name="exempt"/>,
    /// each with its reason at the caller) refuses a removed data source's rows with the shared trigger function.
    /// </summary>
    public async Task AssertEveryTableRefusesRemovedAsync(params string[] exempt)
    {
        await using var connection = new NpgsqlConnection(_database.AdminConnectionString);
        var unguarded = (await connection.QueryAsync<string>(
            """
            select c.relname from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'data_source_id' and not a.attisdropped
            where n.nspname = @schema and c.relkind in ('r', 'p') and not c.relispartition and c.relname <> @tombstone
              and not exists (
                select 1 from pg_trigger t join pg_proc p on p.oid = t.tgfoid
                where t.tgrelid = c.oid and not t.tgisinternal and p.proname = @function and p.pronamespace = n.oid)
            order by c.relname
            """, new { schema = Schema, tombstone = DataSourcePurge.TombstoneTable, function = DataSourcePurge.RefuseRemovedFunction })).ToList();

        Assert.Equal(exempt.Order(StringComparer.Ordinal), unguarded);
    }

    /// <summary>
    /// Races a write of a data source with its purge, both ways. A write in flight (not committed) holds the purge
    /// off until it commits, and its rows are then purged; a write that comes after the purge is refused.
    /// <paramref name="insert"/> writes a row of <paramref name="table"/> for <c>@dataSourceId</c> of <c>@organizationId</c>;
    /// <paramref name="tombstone"/> writes the schema's tombstone for them (what the service's removal writes).
    /// </summary>
    public async Task AssertPurgeWaitsForWritesAndRefusesLaterOnesAsync(string table, string insert, string tombstone)
    {
        var ids = new { dataSourceId = Guid.NewGuid(), organizationId = Guid.NewGuid() };
        await using var writer = new NpgsqlConnection(_database.ConnectionStringFor(_service));
        await writer.OpenAsync();
        await using (var write = await writer.BeginTransactionAsync())
        {
            await writer.ExecuteAsync(insert, ids, write);

            var purge = PurgeAsync(ids.dataSourceId, ids.organizationId, tombstone);
            await Task.Delay(Blocked);
            Assert.False(purge.IsCompleted, $"the purge of {Schema} went ahead while a write of the data source to {table} was in flight");
            await write.CommitAsync();
            await purge.WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0L, await writer.ExecuteScalarAsync<long>($"select count(*) from {Schema}.{table} where data_source_id = @dataSourceId", ids));

        await using var late = await writer.BeginTransactionAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => writer.ExecuteAsync(insert, ids, late));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Contains(ids.dataSourceId.ToString(), refused.MessageText, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    /// <summary>What each service's removal does: the purge lock, the tombstone, the deletes, in one transaction.</summary>
    private async Task PurgeAsync(Guid dataSourceId, Guid organizationId, string tombstone)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionStringFor(_service));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await DataSourcePurge.ExcludeWritersAsync(connection, transaction, Schema, dataSourceId);
        await connection.ExecuteAsync(tombstone, new { dataSourceId, organizationId }, transaction);
        await DataSourcePurge.DeleteRowsAsync(connection, transaction, Schema, dataSourceId);
        await transaction.CommitAsync();
    }
}
