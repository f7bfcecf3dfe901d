using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;
using Xunit;

namespace DigiUsher.Testing;

/// <summary>
/// What the check constraints of a service's status columns allow, read from a database migrated by
/// the service's own scripts, to compare with the status enums the code writes (<see cref="StatusText"/>).
/// </summary>
public sealed partial class StatusConstraints : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly string _schema;

    private StatusConstraints(TestDatabase database, string schema)
    {
        _database = database;
        _schema = schema;
    }

    /// <summary>A fresh database with <paramref name="service"/>'s migrations (from <paramref name="serviceAssembly"/>) applied.</summary>
    public static async Task<StatusConstraints> MigrateAsync(string service, Assembly serviceAssembly)
    {
        var database = await TestDatabase.CreateAsync();
        await database.MigrateAsync(service, serviceAssembly);
        return new StatusConstraints(database, TestDatabase.Schemas[service]);
    }

    /// <summary>The values the check constraint on <paramref name="table"/>.<paramref name="column"/> lists, in order.</summary>
    public async Task<IReadOnlyList<string>> AllowedAsync(string table, string column)
    {
        await using var connection = new NpgsqlConnection(_database.AdminConnectionString);
        var definitions = await connection.QueryAsync<string>(
            """
            select pg_get_constraintdef(c.oid) from pg_constraint c
            join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
            where c.contype = 'c' and n.nspname = @schema and t.relname = @table
            """, new { schema = _schema, table });
        var checks = definitions.Where(d => Regex.IsMatch(d, $@"\(\(?{column} = ")).ToList();
        Assert.True(checks.Count == 1, $"{_schema}.{table}.{column} has {checks.Count} check constraints on its values: {string.Join("; ", definitions)}");
        return [.. Quoted().Matches(checks[0]).Select(m => m.Groups[1].Value)];
    }

    /// <summary>Asserts that the column allows exactly the states of <typeparamref name="T"/>.</summary>
    public async Task AssertMirrorsAsync<T>(string table, string column)
        where T : struct, Enum =>
        Assert.Equal(StatusText.All<T>().Order(StringComparer.Ordinal), (await AllowedAsync(table, column)).Order(StringComparer.Ordinal));

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    [GeneratedRegex("'([^']*)'::text")]
    private static partial Regex Quoted();
}
