using System.Reflection;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Applies a service's SQL migrations (embedded <c>*.sql</c> resources under <c>Data/Migrations</c>,
/// in name order) to the schema it owns, once each, under an advisory lock so that two migrate jobs
/// never race. <c>{schema}</c> in a script is replaced by the service's schema.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, DigiUsherService service, ILogger<MigrationRunner> logger)
{
    public async Task<int> MigrateAsync(Assembly defaultsAssembly, Assembly serviceAssembly, CancellationToken cancellationToken)
    {
        var own = serviceAssembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Name: ScriptName(n), Sql: ReadResource(serviceAssembly, n)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        var scripts = new List<(string Name, string Sql)>();
        if (service.Outbox)
        {
            scripts.Add(("0000_outbox", ReadResource(defaultsAssembly, "DigiUsher.ServiceDefaults.outbox.sql")));
            scripts.Add(("0000_outbox_trace", ReadResource(defaultsAssembly, "DigiUsher.ServiceDefaults.outbox_trace.sql")));
            scripts.Add(("0000_revocations", ReadResource(defaultsAssembly, "DigiUsher.ServiceDefaults.revocations.sql")));
        }

        // A schema that keeps data source tombstones installs the shared trigger function on its tables; the
        // function comes first (the shared scripts run before the service's own, in a new database as in one
        // migrated before the function was shared, where it replaces the schema's own identical copy).
        if (own.Any(s => s.Sql.Contains(DataSourcePurge.RefuseRemovedFunction + "()", StringComparison.Ordinal)))
        {
            scripts.Add(("0000_refuse_removed", ReadResource(defaultsAssembly, "DigiUsher.ServiceDefaults.refuse_removed.sql")));
        }

        scripts.AddRange(own);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext(@lock))", new { @lock = $"migrate:{service.Schema}" }, transaction);
        await connection.ExecuteAsync($"""
            create schema if not exists {service.Schema};
            create table if not exists {service.Schema}.schema_migrations (
                name text primary key,
                applied_at timestamptz not null default now());
            """, transaction: transaction);
        var applied = (await connection.QueryAsync<string>($"select name from {service.Schema}.schema_migrations", transaction: transaction)).ToHashSet();

        var count = 0;
        foreach (var (name, sql) in scripts.Where(s => !applied.Contains(s.Name)))
        {
            LogApplying(logger, service.Schema, name);
            await connection.ExecuteAsync(sql.Replace("{schema}", service.Schema, StringComparison.Ordinal), transaction: transaction, commandTimeout: 600);
            await connection.ExecuteAsync($"insert into {service.Schema}.schema_migrations (name) values (@name)", new { name }, transaction);
            count++;
        }

        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private static string ScriptName(string resourceName)
    {
        var withoutExtension = resourceName[..^".sql".Length];
        return withoutExtension[(withoutExtension.LastIndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing resource {name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Schema}/{Name}")]
    private static partial void LogApplying(ILogger logger, string schema, string name);
}
