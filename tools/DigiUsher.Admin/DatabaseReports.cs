using Dapper;
using Npgsql;

namespace DigiUsher.Admin;

/// <summary>An import loading for longer than expected, and who holds its delivery.</summary>
public sealed record StuckImport(Guid ImportId, Guid DataSourceId, string BillingPeriod, string DeliveryId, DateTimeOffset StartedAt, string? LeaseOwner, DateTimeOffset? LeaseExpiresAt);

/// <summary>An import loading now, as its parser last reported it to DataSource.</summary>
public sealed record ImportInProgress(
    Guid ImportId, Guid DataSourceId, string BillingPeriod, string DeliveryId, int FilesDone, int Files, long Rows, double RowsPerSecond,
    DateTimeOffset? ExpectedEndAt, string? Replica, DateTimeOffset ReportedAt);

/// <summary>One schema's outbox: rows not yet published and the oldest one's age.</summary>
public sealed record OutboxBacklog(string Schema, long Rows, TimeSpan Oldest);

/// <summary>One schema's applied migrations.</summary>
public sealed record SchemaMigrations(string Schema, IReadOnlyList<(string Name, DateTimeOffset AppliedAt)> Applied);

/// <summary>What the tool reads from Postgres (an admin login that can read every service's schema).</summary>
public sealed class DatabaseReports(string connectionString)
{
    public async Task<IReadOnlyList<StuckImport>> LoadingImportsAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (!await SchemaHasAsync(connection, "curparser", "imports"))
        {
            return [];
        }

        return (await connection.QueryAsync<StuckImport>(new CommandDefinition(
            """
            select i.import_id as ImportId, i.data_source_id as DataSourceId, i.billing_period as BillingPeriod, i.delivery_id as DeliveryId,
                   i.started_at as StartedAt, d.lease_owner as LeaseOwner, d.lease_expires_at as LeaseExpiresAt
            from curparser.imports i
            left join curparser.deliveries d on d.data_source_id = i.data_source_id and d.delivery_id = i.delivery_id
            where i.status = 'loading' and i.started_at < now() - make_interval(secs => @seconds)
            order by i.started_at
            """, new { seconds = olderThan.TotalSeconds }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// What became of a re-import request: null while it is open or its import not current yet; else
    /// the new current import (rows, totals), or why CurPoller closed it without announcing anything.
    /// </summary>
    public async Task<(bool Current, string Message)?> ReimportOutcomeAsync(
        string requestKey, Guid dataSourceId, string billingPeriod, DateTimeOffset requestedAt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (!await SchemaHasAsync(connection, "curpoller", "reimport_requests"))
        {
            return null;
        }

        var request = await connection.QuerySingleOrDefaultAsync<(DateTime? ClosedAt, string? Outcome)>(new CommandDefinition(
            "select closed_at, outcome from curpoller.reimport_requests where request_key = @requestKey", new { requestKey }, cancellationToken: cancellationToken));
        if (request.ClosedAt is null)
        {
            return null;
        }

        if (request.Outcome != "announced")
        {
            return (false, $"CurPoller closed the request: {request.Outcome}");
        }

        var current = await connection.QuerySingleOrDefaultAsync<CurrentImport>(new CommandDefinition(
            """
            select i.import_id as ImportId, i.rows as Rows, i.totals::text as Totals from curparser.current_imports c join curparser.imports i using (import_id)
            where c.data_source_id = @dataSourceId and c.billing_period = @billingPeriod and c.made_current_at >= @requestedAt
            """, new { dataSourceId, billingPeriod, requestedAt }, cancellationToken: cancellationToken));
        return current is { } import && import.ImportId != Guid.Empty
            ? (true, $"Import {import.ImportId} of {billingPeriod} is current: {import.Rows} rows, totals {import.Totals}")
            : null;
    }

    /// <summary>Imports loading now with their last progress snapshot (DataSource's status read model), oldest first.</summary>
    public async Task<IReadOnlyList<ImportInProgress>> ImportsInProgressAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (!await SchemaHasAsync(connection, "datasource", "import_status")
            || !await connection.ExecuteScalarAsync<bool>(
                "select exists (select 1 from information_schema.columns where table_schema = 'datasource' and table_name = 'import_status' and column_name = 'progress_at')"))
        {
            return [];
        }

        return (await connection.QueryAsync<ImportInProgress>(new CommandDefinition(
            """
            select import_id as ImportId, data_source_id as DataSourceId, billing_period as BillingPeriod, delivery_id as DeliveryId,
                   coalesce(files_done, 0) as FilesDone, coalesce(files, 0) as Files, coalesce(rows, 0) as Rows,
                   coalesce(rows_per_second, 0) as RowsPerSecond, expected_end_at as ExpectedEndAt, replica as Replica, progress_at as ReportedAt
            from datasource.import_status
            where state = 'started' and progress_at is not null
            order by started_at, import_id
            """, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// Of the given (data source, delivery) pairs, those CurParser has dealt with since: imported, or
    /// superseded by a newer delivery. A message announcing one of them in an _error queue is stale.
    /// </summary>
    public async Task<IReadOnlySet<(Guid DataSourceId, string DeliveryId)>> SettledDeliveriesAsync(
        IReadOnlyCollection<(Guid DataSourceId, string DeliveryId)> deliveries, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (deliveries.Count == 0 || !await SchemaHasAsync(connection, "curparser", "deliveries"))
        {
            return new HashSet<(Guid, string)>();
        }

        var rows = await connection.QueryAsync<(Guid, string)>(new CommandDefinition(
            """
            select d.data_source_id, d.delivery_id
            from curparser.deliveries d
            join unnest(@ids, @deliveries) as asked(data_source_id, delivery_id) using (data_source_id, delivery_id)
            where d.status in ('imported', 'superseded')
            """,
            new { ids = deliveries.Select(d => d.DataSourceId).ToArray(), deliveries = deliveries.Select(d => d.DeliveryId).ToArray() },
            cancellationToken: cancellationToken));
        return rows.ToHashSet();
    }

    public async Task<IReadOnlyList<OutboxBacklog>> OutboxesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var result = new List<OutboxBacklog>();
        foreach (var schema in AdminSettings.Schemas.Values)
        {
            if (await SchemaHasAsync(connection, schema, "outbox"))
            {
                var (rows, seconds) = await connection.QuerySingleAsync<(long, double)>(new CommandDefinition(
                    $"select count(*), coalesce(extract(epoch from now() - min(created_at)), 0)::float8 from {schema}.outbox where dispatched_at is null",
                    cancellationToken: cancellationToken));
                result.Add(new OutboxBacklog(schema, rows, TimeSpan.FromSeconds(seconds)));
            }
        }

        return result;
    }

    public async Task<IReadOnlyList<SchemaMigrations>> MigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var result = new List<SchemaMigrations>();
        foreach (var schema in AdminSettings.Schemas.Values)
        {
            var applied = await SchemaHasAsync(connection, schema, "schema_migrations")
                ? (await connection.QueryAsync<(string, DateTime)>(new CommandDefinition(
                    $"select name, applied_at from {schema}.schema_migrations order by name", cancellationToken: cancellationToken)))
                    .Select(r => (r.Item1, new DateTimeOffset(DateTime.SpecifyKind(r.Item2, DateTimeKind.Utc)))).ToList()
                : [];
            result.Add(new SchemaMigrations(schema, applied));
        }

        return result;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static Task<bool> SchemaHasAsync(NpgsqlConnection connection, string schema, string table) =>
        connection.ExecuteScalarAsync<bool>("select to_regclass(@name) is not null", new { name = $"{schema}.{table}" });

    private sealed record CurrentImport(Guid ImportId, long Rows, string Totals);
}
