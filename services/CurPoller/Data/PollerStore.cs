using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Cur.Layout;
using DigiUsher.CurPoller.Lifecycle;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using Npgsql;

namespace DigiUsher.CurPoller.Data;

/// <summary>A data source as CurPoller watches it.</summary>
public sealed record WatchedDataSource(
    Guid DataSourceId,
    Guid OrganizationId,
    string Name,
    string Bucket,
    string Prefix,
    string? ReportName,
    string Region,
    DateTime PollStartedAt);

/// <summary>
/// The curpoller schema: the registry of data sources, the published deliveries, and their outbox
/// events. A delivery's status only moves as <see cref="DeliveryLifecycle"/> decides, written with a
/// compare-and-set on the state that was read.
/// </summary>
public sealed class PollerStore(NpgsqlDataSource dataSource, OutboxWriter outbox)
{
    private const int MaxConflicts = 10;
    private static readonly Guid MessageIdNamespace = new("6f1f8e0e-3c1b-4f55-9a53-2f4c9f1f6a01");

    /// <summary>The outbox id of a fact (a version 5 UUID of its idempotency key): a repeated publish is dropped.</summary>
    public static Guid MessageId(string idempotencyKey) => MessageIds.Version5(MessageIdNamespace, idempotencyKey);

    /// <summary>Applies Connected/Updated unless a newer change (or the removal) is already recorded; returns whether it applied.</summary>
    public async Task<bool> UpsertDataSourceAsync(Guid organizationId, Guid dataSourceId, DataSourceSettings settings, DateTimeOffset changedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {CurPollerDb.Schema}.data_sources
                (data_source_id, organization_id, name, bucket, prefix, report_name, region, payer_account_id, changed_at, next_poll_at, poll_requested_at)
            values (@dataSourceId, @organizationId, @name, @bucket, @prefix, @reportName, @region, @payer, @changedAt, now(), now())
            on conflict (data_source_id) do update set
                name = excluded.name, bucket = excluded.bucket, prefix = excluded.prefix, report_name = excluded.report_name,
                region = excluded.region, payer_account_id = excluded.payer_account_id, changed_at = excluded.changed_at,
                removed_at = null, next_poll_at = now(), poll_requested_at = now()
            where data_sources.organization_id = excluded.organization_id
              and data_sources.changed_at <= excluded.changed_at
              and (data_sources.removed_at is null or data_sources.removed_at < excluded.changed_at)
            """,
            new
            {
                dataSourceId,
                organizationId,
                name = settings.Name,
                bucket = settings.Bucket,
                prefix = settings.Prefix ?? string.Empty,
                reportName = string.IsNullOrWhiteSpace(settings.ReportName) ? null : settings.ReportName.Trim(),
                region = settings.Region,
                payer = settings.PayerAccountId,
                changedAt = changedAt.UtcDateTime,
            },
            cancellationToken: cancellationToken));
        return applied > 0;
    }

    /// <summary>
    /// Stops polling and purges the data source's deliveries (and any other table with a <c>data_source_id</c>);
    /// keeps a tombstone without its settings so a late, older Connected/Updated does not bring it back. Idempotent.
    /// </summary>
    public async Task RemoveDataSourceAsync(Guid organizationId, Guid dataSourceId, DateTimeOffset removedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DataSourcePurge.ExcludeWritersAsync(connection, transaction, CurPollerDb.Schema, dataSourceId);
        var tombstoned = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {CurPollerDb.Schema}.data_sources (data_source_id, organization_id, changed_at, removed_at)
            values (@dataSourceId, @organizationId, @removedAt, @removedAt)
            on conflict (data_source_id) do update set removed_at = coalesce(data_sources.removed_at, excluded.removed_at),
                changed_at = greatest(data_sources.changed_at, excluded.changed_at), name = '', bucket = '', prefix = '', report_name = null,
                region = '', payer_account_id = null, last_poll_reason = null
            where data_sources.organization_id = excluded.organization_id
            """,
            new { dataSourceId, organizationId, removedAt = removedAt.UtcDateTime },
            transaction,
            cancellationToken: cancellationToken));
        if (tombstoned > 0)
        {
            await DataSourcePurge.DeleteRowsAsync(connection, transaction, CurPollerDb.Schema, dataSourceId);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Makes a data source due now; false when it is unknown, removed, or of another organization.</summary>
    public async Task<bool> RequestPollAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"""
            update {CurPollerDb.Schema}.data_sources set next_poll_at = now(), poll_requested_at = now()
            where data_source_id = @dataSourceId and organization_id = @organizationId and removed_at is null
            """,
            new { dataSourceId, organizationId },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Records an operator's re-import request (once per key) and makes the data source due now; false
    /// when the data source is unknown, removed, or of another organization.
    /// </summary>
    public async Task<bool> RequestReimportAsync(ReimportRequested request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"""
            with watched as (
                update {CurPollerDb.Schema}.data_sources set next_poll_at = now(), poll_requested_at = now()
                where data_source_id = @DataSourceId and organization_id = @OrganizationId and removed_at is null
                returning data_source_id)
            insert into {CurPollerDb.Schema}.reimport_requests (request_key, data_source_id, organization_id, billing_period, requested_at)
            select @IdempotencyKey, @DataSourceId, @OrganizationId, @BillingPeriod, @RequestedAt from watched
            on conflict (request_key) do nothing
            """,
            request,
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The data source's open re-import requests: billing period to the oldest request's key.</summary>
    public async Task<IReadOnlyDictionary<string, string>> OpenReimportsAsync(Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Period, string Key)>(new CommandDefinition(
            $"""
            select distinct on (billing_period) billing_period, request_key from {CurPollerDb.Schema}.reimport_requests
            where data_source_id = @dataSourceId and closed_at is null order by billing_period, requested_at
            """,
            new { dataSourceId },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Period, r => r.Key, StringComparer.Ordinal);
    }

    /// <summary>
    /// Announces a delivery again for a re-import request and closes the request, in one transaction
    /// (a delivery never seen is recorded as <see cref="PublishNewAsync"/> would). Returns whether this call did it.
    /// </summary>
    public async Task<bool> PublishReimportAsync(ReportAvailable message, string requestKey, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await CloseReimportAsync(connection, transaction, requestKey, message.DeliveryId, "announced") == 0)
        {
            return false;
        }

        var announced = DeliveryLifecycle.Announced(message.DetectedAt.UtcDateTime);
        await connection.ExecuteAsync(
            $"""
            insert into {CurPollerDb.Schema}.deliveries
                (data_source_id, billing_period, delivery_id, organization_id, report_name, format, manifest_key, files, detected_at,
                 status, attempts, last_published_at)
            values (@DataSourceId, @BillingPeriod, @DeliveryId, @OrganizationId, @ReportName, @format, @ManifestKey, @files, @detectedAt,
                    @status, @attempts, @lastPublishedAt)
            on conflict do nothing
            """,
            new
            {
                message.DataSourceId, message.BillingPeriod, message.DeliveryId, message.OrganizationId, message.ReportName, format = message.Format.ToString(),
                message.ManifestKey, files = message.ReportKeys.Count, detectedAt = message.DetectedAt.UtcDateTime,
                status = StatusText.Of(announced.Status), attempts = announced.Attempts, lastPublishedAt = announced.LastPublishedAt,
            },
            transaction);
        await outbox.AddAsync(connection, transaction, message, MessageId(message.IdempotencyKey));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Closes a re-import request that cannot be served (the bucket holds no delivery of its period).</summary>
    public async Task CloseReimportAsync(string requestKey, string outcome, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await CloseReimportAsync(connection, null, requestKey, null, outcome);
    }

    private static Task<int> CloseReimportAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string requestKey, string? deliveryId, string outcome) =>
        connection.ExecuteAsync(
            $"""
            update {CurPollerDb.Schema}.reimport_requests set closed_at = now(), delivery_id = @deliveryId, outcome = @outcome
            where request_key = @requestKey and closed_at is null
            """, new { requestKey, deliveryId, outcome }, transaction);

    /// <summary>
    /// Claims up to <paramref name="limit"/> due data sources (SKIP LOCKED, so replicas share the work)
    /// and pushes their next poll out by <paramref name="lease"/>: a replica that dies mid-poll only
    /// delays that data source until the lease ends.
    /// </summary>
    public async Task<IReadOnlyList<WatchedDataSource>> ClaimDueAsync(int limit, Guid[] running, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<WatchedDataSource>(new CommandDefinition(
            $"""
            update {CurPollerDb.Schema}.data_sources d set poll_started_at = now(), next_poll_at = now() + @lease
            from (
                select data_source_id from {CurPollerDb.Schema}.data_sources
                where removed_at is null and next_poll_at <= now() and data_source_id <> all(@running)
                order by next_poll_at
                limit @limit
                for update skip locked
            ) due
            where d.data_source_id = due.data_source_id
            returning d.data_source_id as DataSourceId, d.organization_id as OrganizationId, d.name as Name, d.bucket as Bucket,
                      d.prefix as Prefix, d.report_name as ReportName, d.region as Region, d.poll_started_at as PollStartedAt
            """,
            new { limit, running, lease },
            cancellationToken: cancellationToken));
        return rows.ToList();
    }

    /// <summary>Records the poll's end and its status event in one transaction; a poll asked for meanwhile runs next.</summary>
    public async Task CompletePollAsync<T>(WatchedDataSource source, TimeSpan nextIn, PollStatus status, string? reason, T statusEvent, Guid messageId, CancellationToken cancellationToken)
        where T : class
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            update {CurPollerDb.Schema}.data_sources set
                last_polled_at = now(), last_poll_status = @status, last_poll_reason = @reason,
                next_poll_at = case when poll_requested_at > @startedAt then now() else now() + @nextIn end
            where data_source_id = @id and poll_started_at = @startedAt
            """,
            new { id = source.DataSourceId, startedAt = source.PollStartedAt, status = StatusText.Of(status), reason, nextIn },
            transaction);
        await outbox.AddAsync(connection, transaction, statusEvent, messageId);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<DeliveryState?> FindDeliveryAsync(Guid dataSourceId, string billingPeriod, string deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"""
            select status as Status, attempts as Attempts, next_retry_at as NextRetryAt, last_published_at as LastPublishedAt, last_error as LastError
            from {CurPollerDb.Schema}.deliveries
            where data_source_id = @dataSourceId and billing_period = @billingPeriod and delivery_id = @deliveryId
            """,
            new { dataSourceId, billingPeriod, deliveryId },
            cancellationToken: cancellationToken));
        return row?.ToState();
    }

    /// <summary>
    /// Records a delivery not seen before and its <c>ReportAvailable</c> in one transaction. The
    /// primary key (data source, period, delivery) makes a second attempt a no-op; returns whether
    /// this call published it.
    /// </summary>
    public async Task<bool> PublishNewAsync(ReportAvailable message, CancellationToken cancellationToken)
    {
        var announced = DeliveryLifecycle.Announced(message.DetectedAt.UtcDateTime);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            $"""
            insert into {CurPollerDb.Schema}.deliveries
                (data_source_id, billing_period, delivery_id, organization_id, report_name, format, manifest_key, files, detected_at,
                 status, attempts, last_published_at)
            values (@DataSourceId, @BillingPeriod, @DeliveryId, @OrganizationId, @ReportName, @format, @ManifestKey, @files, @detectedAt,
                    @status, @attempts, @lastPublishedAt)
            on conflict do nothing
            """,
            new
            {
                status = StatusText.Of(announced.Status),
                attempts = announced.Attempts,
                lastPublishedAt = announced.LastPublishedAt,
                message.DataSourceId,
                message.BillingPeriod,
                message.DeliveryId,
                message.OrganizationId,
                message.ReportName,
                format = message.Format.ToString(),
                message.ManifestKey,
                files = message.ReportKeys.Count,
                detectedAt = message.DetectedAt.UtcDateTime,
            },
            transaction);
        if (inserted == 0)
        {
            return false;
        }

        await outbox.AddAsync(connection, transaction, message, MessageId(message.IdempotencyKey));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Publishes a delivery once more (the poller found it due: its import failed transiently, or
    /// nobody answered it), with a new message id per attempt (the idempotency key stays that of the
    /// delivery). <paramref name="read"/> is what the poller read: a replica that republished or
    /// recorded an answer since changed the row, and this call then does nothing. Returns whether it did it.
    /// </summary>
    public async Task<bool> RepublishAsync(ReportAvailable message, DeliveryState read, DeliveryEvent on, CancellationToken cancellationToken)
    {
        if (DeliveryLifecycle.OnAnnouncedAgain(read, on, message.DetectedAt.UtcDateTime) is not { } next)
        {
            return false;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await CompareAndSetAsync(connection, transaction, message.DataSourceId, message.BillingPeriod, message.DeliveryId, read, next))
        {
            return false;
        }

        await outbox.AddAsync(connection, transaction, message, MessageId($"{message.IdempotencyKey}:attempt:{next.Attempts}"));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Records a delivery that cannot be imported and its <c>ReportImportFailed</c> (never a
    /// <c>ReportAvailable</c>) in one transaction. A delivery already recorded (published, imported or
    /// rejected before) is left as it is; returns whether this call recorded it.
    /// </summary>
    public async Task<bool> RejectAsync(WatchedDataSource source, string reportName, RejectedDelivery rejected, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var period = rejected.Period.ToString();
        var state = DeliveryLifecycle.Rejected(now.UtcDateTime, rejected.Reason);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            $"""
            insert into {CurPollerDb.Schema}.deliveries
                (data_source_id, billing_period, delivery_id, organization_id, report_name, format, manifest_key, files, detected_at,
                 status, attempts, last_published_at, last_error)
            values (@dataSourceId, @period, @deliveryId, @organizationId, @reportName, @format, @manifestKey, @files, @now,
                    @status, @attempts, @now, @reason)
            on conflict do nothing
            """,
            new
            {
                dataSourceId = source.DataSourceId,
                period,
                deliveryId = rejected.DeliveryId,
                organizationId = source.OrganizationId,
                reportName,
                format = rejected.Format?.ToString() ?? "unknown",
                manifestKey = rejected.ManifestKey,
                files = rejected.Files,
                now = now.UtcDateTime,
                reason = rejected.Reason,
                status = StatusText.Of(state.Status),
                attempts = state.Attempts,
            },
            transaction);
        if (inserted == 0)
        {
            return false;
        }

        var key = $"{source.DataSourceId}:{period}:{rejected.DeliveryId}:rejected";
        var failed = new ReportImportFailed(
            source.OrganizationId, source.DataSourceId, key, period, rejected.DeliveryId, null, rejected.File, null, rejected.Reason, false, now);
        await outbox.AddAsync(connection, transaction, failed, MessageId(key));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Records CurParser's <c>ReportImported</c>: the delivery is never announced again.</summary>
    public Task MarkImportedAsync(Guid organizationId, Guid dataSourceId, string billingPeriod, string deliveryId, CancellationToken cancellationToken) =>
        MoveAsync(organizationId, dataSourceId, billingPeriod, deliveryId, DeliveryLifecycle.OnImported, cancellationToken);

    /// <summary>
    /// Records CurParser's <c>ReportImportFailed</c>: a transient failure schedules a re-announcement
    /// after the backoff (or gives up after the last attempt); a permanent one is never retried. An
    /// imported delivery stays imported.
    /// </summary>
    public Task MarkImportFailedAsync(
        Guid organizationId, Guid dataSourceId, string billingPeriod, string deliveryId, bool transient, string reason, RetryPolicy policy,
        DateTime now, CancellationToken cancellationToken) =>
        MoveAsync(organizationId, dataSourceId, billingPeriod, deliveryId, state => DeliveryLifecycle.OnFailed(state, transient, reason, policy, now), cancellationToken);

    /// <summary>
    /// Reads the delivery of <paramref name="organizationId"/>, lets <paramref name="decide"/> move it
    /// (null: refused, nothing written) and writes the move unless another writer moved it first;
    /// then decides again on what that writer left.
    /// </summary>
    private async Task MoveAsync(
        Guid organizationId, Guid dataSourceId, string billingPeriod, string deliveryId, Func<DeliveryState, DeliveryState?> decide, CancellationToken cancellationToken)
    {
        for (var conflict = 0; conflict < MaxConflicts; conflict++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var read = await connection.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
                $"""
                select status as Status, attempts as Attempts, next_retry_at as NextRetryAt, last_published_at as LastPublishedAt, last_error as LastError
                from {CurPollerDb.Schema}.deliveries
                where data_source_id = @dataSourceId and organization_id = @organizationId and billing_period = @billingPeriod and delivery_id = @deliveryId
                """,
                new { dataSourceId, organizationId, billingPeriod, deliveryId },
                cancellationToken: cancellationToken));
            if (read?.ToState() is not { } state || decide(state) is not { } next
                || await CompareAndSetAsync(connection, null, dataSourceId, billingPeriod, deliveryId, state, next))
            {
                return;
            }
        }

        throw new InvalidOperationException($"Delivery {deliveryId} of {dataSourceId} {billingPeriod} kept changing under {MaxConflicts} attempts to record an answer.");
    }

    /// <summary>Writes <paramref name="next"/> if the row is still <paramref name="read"/> (status and attempts); returns whether it did.</summary>
    private static async Task<bool> CompareAndSetAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid dataSourceId, string billingPeriod, string deliveryId,
        DeliveryState read, DeliveryState next) =>
        await connection.ExecuteAsync(
            $"""
            update {CurPollerDb.Schema}.deliveries set status = @status, attempts = @Attempts, next_retry_at = @NextRetryAt, last_error = @LastError,
                last_published_at = @LastPublishedAt
            where data_source_id = @dataSourceId and billing_period = @billingPeriod and delivery_id = @deliveryId
              and status = @readStatus and attempts = @readAttempts
            """,
            new
            {
                dataSourceId, billingPeriod, deliveryId, status = StatusText.Of(next.Status), next.Attempts, next.NextRetryAt, next.LastError, next.LastPublishedAt,
                readStatus = StatusText.Of(read.Status), readAttempts = read.Attempts,
            },
            transaction) == 1;

    /// <summary>A <c>deliveries</c> row as read (the status as its column text).</summary>
    private sealed record DeliveryRow(string Status, int Attempts, DateTime? NextRetryAt, DateTime LastPublishedAt, string? LastError)
    {
        public DeliveryState ToState() => new(StatusText.Parse<DeliveryStatus>(Status), Attempts, NextRetryAt, LastPublishedAt, LastError);
    }
}
