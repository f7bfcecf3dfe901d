using System.Reflection;
using Dapper;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DigiUsher.Testing;

/// <summary>
/// A fresh database for one test (class), with the same per-service roles as production. Dropped on
/// dispose. Each service's connection string logs in as that service's role.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public static readonly IReadOnlyDictionary<string, string> Schemas = new Dictionary<string, string>
    {
        ["DataSource"] = "datasource",
        ["CurPoller"] = "curpoller",
        ["CurParser"] = "curparser",
        ["ResourceDiscovery"] = "discovery",
        ["Query"] = "query",
        ["Console"] = "console",
    };

    private TestDatabase(string name) => Name = name;

    public string Name { get; }

    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = Name }.ConnectionString;

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"create database {name}");
        foreach (var schema in Schemas.Values)
        {
            var role = schema + "_svc";
            // Roles are cluster-wide; several test processes may race to create them.
            try
            {
                await admin.ExecuteAsync($"do $$ begin if not exists (select from pg_roles where rolname = '{role}') then create role {role} login password '{role}'; end if; end $$;");
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
            {
            }

            await admin.ExecuteAsync($"grant connect, create on database {name} to {role}");
        }

        return new TestDatabase(name);
    }

    /// <summary>The connection string a service uses: its own role, this database.</summary>
    public string ConnectionStringFor(string service)
    {
        var role = Schemas[service] + "_svc";
        return new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin)
        {
            Database = Name,
            Username = role,
            Password = role,
            Pooling = true,
            MaxPoolSize = 20,
        }.ConnectionString;
    }

    /// <summary>Applies <paramref name="service"/>'s migrations (from <paramref name="serviceAssembly"/>) as the service's role does at start.</summary>
    public async Task MigrateAsync(string service, Assembly serviceAssembly)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionStringFor(service));
        var runner = new MigrationRunner(dataSource, new DigiUsherService(service, Schemas[service]), NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(typeof(MigrationRunner).Assembly, serviceAssembly, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var admin = new NpgsqlConnection(TestEnvironment.PostgresAdmin);
            await admin.OpenAsync();
            await admin.ExecuteAsync($"drop database if exists {Name} with (force)");
        }
        catch (NpgsqlException)
        {
            // Best effort: a leftover test database does not change any result.
        }
    }
}
