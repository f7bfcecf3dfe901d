using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Data;
using Npgsql;

namespace DigiUsher.DataSource.Data;

public sealed class PollStatusRow
{
    public DateTimeOffset LastPollAt { get; init; }

    public bool Succeeded { get; init; }

    public string? ReportName { get; init; }

    public int? BillingPeriods { get; init; }

    public int? DeliveriesFound { get; init; }

    public string? LatestDeliveryId { get; init; }

    public string? Error { get; init; }

    public string? DeniedAction { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }
}

public sealed class ImportStatusRow
{
    public string BillingPeriod { get; init; } = string.Empty;

    public string DeliveryId { get; init; } = string.Empty;

    public Guid? ImportId { get; init; }

    /// <summary>The column's text; <see cref="ImportState"/> by <c>StatusText.Parse</c>.</summary>
    public string State { get; init; } = string.Empty;

    public long? Rows { get; init; }

    public int? Files { get; init; }

    public string? Totals { get; init; }

    public bool? IsFinal { get; init; }

    public string? Error { get; init; }

    public string? ErrorFile { get; init; }

    public long? ErrorRow { get; init; }

    public bool? Transient { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public int? FilesDone { get; init; }

    public double? RowsPerSecond { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? ExpectedEndAt { get; init; }

    public string? Replica { get; init; }

    public DateTimeOffset? ProgressAt { get; init; }
}

public sealed class DiscoveryStatusRow
{
    public Guid RunId { get; init; }

    public bool Succeeded { get; init; }

    public string? AccountId { get; init; }

    public string? Counts { get; init; }

    public string? Skipped { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset FinishedAt { get; init; }
}

/// <summary>
/// The status read model fed by other services' events. Each write applies only to a data source of
/// the event's organization, and only when it is newer than what is stored, so redelivered and
/// out-of-order events change nothing.
/// </summary>
public sealed class StatusStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    static StatusStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    // Import states as the column holds them (StatusText), written as SQL constants like the other literals here.
    private static readonly string Started = StatusText.Of(ImportState.Started);
    private static readonly string Imported = StatusText.Of(ImportState.Imported);
    private static readonly string Failed = StatusText.Of(ImportState.Failed);

    private const string OwnedBy = $"exists (select 1 from {DataSourceDb.Schema}.data_sources d where d.id = @DataSourceId and d.organization_id = @OrganizationId)";

    public Task PollCompletedAsync(ReportPollCompleted e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.poll_status as p (data_source_id, last_poll_at, succeeded, report_name, billing_periods, deliveries_found, latest_delivery_id, last_success_at)
        select @DataSourceId, @CompletedAt, true, @ReportName, @BillingPeriods, @DeliveriesPublished, @LatestDeliveryId, @CompletedAt where {OwnedBy}
        on conflict (data_source_id) do update set last_poll_at = excluded.last_poll_at, succeeded = true, report_name = excluded.report_name,
            billing_periods = excluded.billing_periods, deliveries_found = excluded.deliveries_found,
            latest_delivery_id = coalesce(excluded.latest_delivery_id, p.latest_delivery_id), error = null, denied_action = null,
            last_success_at = excluded.last_success_at
        where p.last_poll_at <= excluded.last_poll_at
        """, e, cancellationToken);

    public Task PollFailedAsync(ReportPollFailed e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.poll_status as p (data_source_id, last_poll_at, succeeded, error, denied_action)
        select @DataSourceId, @FailedAt, false, @Reason, @DeniedAction where {OwnedBy}
        on conflict (data_source_id) do update set last_poll_at = excluded.last_poll_at, succeeded = false,
            error = excluded.error, denied_action = excluded.denied_action
        where p.last_poll_at <= excluded.last_poll_at
        """, e, cancellationToken);

    public Task ImportStartedAsync(ReportImportStarted e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.import_status (data_source_id, billing_period, delivery_id, import_id, state, started_at, updated_at)
        select @DataSourceId, @BillingPeriod, @DeliveryId, @ImportId, '{Started}', @StartedAt, @StartedAt where {OwnedBy}
        on conflict (data_source_id, billing_period, delivery_id) do update set import_id = excluded.import_id, state = '{Started}',
            error = null, error_file = null, error_row = null, transient = null, started_at = excluded.started_at, updated_at = excluded.updated_at,
            files_done = null, rows = null, rows_per_second = null, expected_end_at = null, replica = null, progress_at = null
        where import_status.state = '{Failed}' and import_status.updated_at < excluded.updated_at
        """, e, cancellationToken);

    /// <summary>
    /// A loading import's progress: applies to the delivery's started import of that id only, and only
    /// when newer than the snapshot stored (it may arrive before <c>ReportImportStarted</c>, which travels
    /// through the outbox, and then records the start itself).
    /// </summary>
    public Task ImportProgressedAsync(ReportImportProgressed e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.import_status as i (data_source_id, billing_period, delivery_id, import_id, state, files_done, files, rows,
            rows_per_second, started_at, expected_end_at, replica, progress_at, updated_at)
        select @DataSourceId, @BillingPeriod, @DeliveryId, @ImportId, '{Started}', @FilesDone, @Files, @Rows, @RowsPerSecond, @StartedAt, @ExpectedEndAt,
            @Replica, @At, @StartedAt where {OwnedBy}
        on conflict (data_source_id, billing_period, delivery_id) do update set files_done = excluded.files_done, files = excluded.files,
            rows = excluded.rows, rows_per_second = excluded.rows_per_second, started_at = excluded.started_at,
            expected_end_at = excluded.expected_end_at, replica = excluded.replica, progress_at = excluded.progress_at
        where i.state = '{Started}' and i.import_id = excluded.import_id and (i.progress_at is null or i.progress_at < excluded.progress_at)
        """, e, cancellationToken);

    public Task ImportedAsync(ReportImported e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.import_status as i (data_source_id, billing_period, delivery_id, import_id, state, rows, files, totals, is_final, updated_at)
        select @DataSourceId, @BillingPeriod, @DeliveryId, @ImportId, '{Imported}', @Rows, @Files, @totals::jsonb, @IsFinal, @ImportedAt where {OwnedBy}
        on conflict (data_source_id, billing_period, delivery_id) do update set import_id = excluded.import_id, state = '{Imported}',
            rows = excluded.rows, files = excluded.files, totals = excluded.totals, is_final = excluded.is_final,
            error = null, error_file = null, error_row = null, transient = null, updated_at = excluded.updated_at
        where i.state <> '{Imported}' or i.updated_at < excluded.updated_at
        """, new { e.DataSourceId, e.OrganizationId, e.BillingPeriod, e.DeliveryId, e.ImportId, e.Rows, e.Files, totals = JsonSerializer.Serialize(e.Totals, Json), e.IsFinal, e.ImportedAt }, cancellationToken);

    public Task ImportFailedAsync(ReportImportFailed e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.import_status as i (data_source_id, billing_period, delivery_id, import_id, state, error, error_file, error_row, transient, updated_at)
        select @DataSourceId, @BillingPeriod, @DeliveryId, @ImportId, '{Failed}', @Reason, @File, @Row, @Transient, @FailedAt where {OwnedBy}
        on conflict (data_source_id, billing_period, delivery_id) do update set import_id = coalesce(excluded.import_id, i.import_id), state = '{Failed}',
            error = excluded.error, error_file = excluded.error_file, error_row = excluded.error_row, transient = excluded.transient,
            updated_at = excluded.updated_at
        where i.state <> '{Imported}' and i.updated_at <= excluded.updated_at
        """, e, cancellationToken);

    public Task DiscoveryCompletedAsync(DiscoveryCompleted e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.discovery_status as s (data_source_id, run_id, succeeded, account_id, counts, skipped, finished_at)
        select @DataSourceId, @RunId, true, @AccountId, @counts::jsonb, @skipped::jsonb, @CompletedAt where {OwnedBy}
        on conflict (data_source_id) do update set run_id = excluded.run_id, succeeded = true, account_id = excluded.account_id,
            counts = excluded.counts, skipped = excluded.skipped, error = null, finished_at = excluded.finished_at
        where s.finished_at <= excluded.finished_at
        """, new { e.DataSourceId, e.OrganizationId, e.RunId, e.AccountId, counts = JsonSerializer.Serialize(e.Counts, Json), skipped = JsonSerializer.Serialize(e.Skipped, Json), e.CompletedAt }, cancellationToken);

    public Task DiscoveryFailedAsync(DiscoveryFailed e, CancellationToken cancellationToken) => ExecuteAsync(
        $"""
        insert into {DataSourceDb.Schema}.discovery_status as s (data_source_id, run_id, succeeded, error, finished_at)
        select @DataSourceId, @RunId, false, @Reason, @FailedAt where {OwnedBy}
        on conflict (data_source_id) do update set run_id = excluded.run_id, succeeded = false, counts = null, skipped = null,
            error = excluded.error, finished_at = excluded.finished_at
        where s.finished_at <= excluded.finished_at
        """, e, cancellationToken);

    public async Task<(PollStatusRow? Poll, IReadOnlyList<ImportStatusRow> Imports, DiscoveryStatusRow? Discovery)> GetAsync(Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var poll = await connection.QuerySingleOrDefaultAsync<PollStatusRow>(
            $"""
            select last_poll_at, succeeded, report_name, billing_periods, deliveries_found, latest_delivery_id, error, denied_action, last_success_at
            from {DataSourceDb.Schema}.poll_status where data_source_id = @dataSourceId
            """, new { dataSourceId });
        var imports = (await connection.QueryAsync<ImportStatusRow>(
            $"""
            select billing_period, delivery_id, import_id, state, rows, files, totals::text as totals, is_final, error, error_file, error_row, transient, updated_at,
                   files_done, rows_per_second, started_at, expected_end_at, replica, progress_at
            from {DataSourceDb.Schema}.import_status where data_source_id = @dataSourceId order by billing_period desc, updated_at desc
            """, new { dataSourceId })).ToList();
        var discovery = await connection.QuerySingleOrDefaultAsync<DiscoveryStatusRow>(
            $"""
            select run_id, succeeded, account_id, counts::text as counts, skipped::text as skipped, error, finished_at
            from {DataSourceDb.Schema}.discovery_status where data_source_id = @dataSourceId
            """, new { dataSourceId });
        return (poll, imports, discovery);
    }

    private async Task ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }
}
