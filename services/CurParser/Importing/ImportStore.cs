using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.CurParser.Data;
using DigiUsher.CurParser.Lifecycle;
using DigiUsher.ServiceDefaults.Data;
using DigiUsher.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurParser.Importing;

public enum ClaimResult
{
    Claimed,
    AlreadyDone,
    LeasedElsewhere,
    Superseded,
}

public enum CompleteResult
{
    MadeCurrent,
    Superseded,
}

/// <summary>
/// The SQL of an import's life: lease, partitions, reconciliation, the swap, failure. Every status it
/// writes is a transition of <see cref="DeliveryLifecycle"/> or <see cref="ImportLifecycle"/>; the
/// statements add what only the database can hold: the lease and the newer-wins swap.
/// </summary>
public sealed class ImportStore(NpgsqlDataSource dataSource, OutboxWriter outbox, LeaseHolder holder, IOptions<CurParserOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Takes the delivery's lease unless it is done, leased by a live replica, or older than the
    /// period's current import (only the newest delivery may become current). A lease whose holder
    /// stopped renewing its liveness mark (<see cref="CurParserOptions.HolderTimeout"/>) is taken over
    /// before it runs out: its replica is dead. This replica's own mark is renewed first, so nobody
    /// can take it for dead between its first claim and its first heartbeat.
    /// </summary>
    public async Task<ClaimResult> ClaimAsync(ReportAvailable m, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await LeaseHolder.MarkAliveAsync(connection, holder.Id, cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {CurParserDb.Schema}.deliveries (data_source_id, delivery_id, organization_id, billing_period, detected_at, status)
            values (@DataSourceId, @DeliveryId, @OrganizationId, @BillingPeriod, @DetectedAt, @announced)
            on conflict (data_source_id, delivery_id) do nothing
            """, new { m.DataSourceId, m.DeliveryId, m.OrganizationId, m.BillingPeriod, m.DetectedAt, announced = StatusText.Of(DeliveryLifecycle.Announced) });
        if (await IsOlderThanCurrentAsync(connection, null, m))
        {
            await MoveDeliveryAsync(connection, null, m, DeliveryEvent.Supersede, releaseLease: false);
            return ClaimResult.Superseded;
        }

        if (m.Reimport)
        {
            // Once per request: a redelivered re-import finds its key recorded and the delivery done again.
            await connection.ExecuteAsync(
                $"""
                update {CurParserDb.Schema}.deliveries set status = @to, reimport_key = @IdempotencyKey
                where data_source_id = @DataSourceId and delivery_id = @DeliveryId and status = any(@from)
                  and reimport_key is distinct from @IdempotencyKey
                """, new { m.DataSourceId, m.DeliveryId, m.IdempotencyKey, from = Sources(DeliveryEvent.Reopen), to = Target(DeliveryEvent.Reopen) });
        }

        var leased = await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries d set status = @to, lease_owner = @owner, lease_holder = @holder, lease_expires_at = now() + @lease
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and status = any(@from)
              and (lease_expires_at is null or lease_expires_at < now() or lease_owner = @owner
                   or (lease_holder is not null and not exists (
                       select 1 from {CurParserDb.Schema}.lease_holders h
                       where h.holder = d.lease_holder and h.renewed_at > now() - @holderTimeout)))
            """, new
            {
                m.DataSourceId, m.DeliveryId, owner, lease, holder = holder.Id, holderTimeout = options.Value.HolderTimeout,
                from = Sources(DeliveryEvent.Lease), to = Target(DeliveryEvent.Lease),
            });
        if (leased == 1)
        {
            return ClaimResult.Claimed;
        }

        var status = StatusText.Parse<DeliveryStatus>(await connection.QuerySingleAsync<string>(
            $"select status from {CurParserDb.Schema}.deliveries where data_source_id = @DataSourceId and delivery_id = @DeliveryId",
            new { m.DataSourceId, m.DeliveryId }));
        return DeliveryLifecycle.Machine.Next(status, DeliveryEvent.Lease) is null ? ClaimResult.AlreadyDone : ClaimResult.LeasedElsewhere;
    }

    /// <summary>Extends the lease; false when another replica took it (ours expired).</summary>
    public async Task<bool> RenewAsync(ReportAvailable m, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries set lease_expires_at = now() + @lease
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and lease_owner = @owner
            """, new { m.DataSourceId, m.DeliveryId, owner, lease }) == 1;
    }

    /// <summary>Gives the lease back (shutdown, or an attempt that could not start): the delivery stays as it is.</summary>
    public async Task ReleaseAsync(ReportAvailable m, string owner)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries set lease_owner = null, lease_expires_at = null
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and lease_owner = @owner
            """, new { m.DataSourceId, m.DeliveryId, owner });
    }

    /// <summary>
    /// Imports of the delivery still <c>loading</c> while this attempt holds its lease: their attempt
    /// ended without a record (its replica was killed, or lost the database for longer than it waited
    /// to record the failure). Abandoned (failed), so none stays <c>loading</c> for good; returns them so
    /// that their partitions are dropped.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> AbandonUnfinishedAsync(ReportAvailable m, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Guid>(new CommandDefinition(
            $"""
            update {CurParserDb.Schema}.imports
            set status = @to, completed_at = now(),
                failure = 'abandoned: the attempt ended without recording an outcome (its replica stopped or lost the database); the delivery was imported again'
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and status = any(@from)
            returning import_id
            """, new { m.DataSourceId, m.DeliveryId, from = Sources(ImportEvent.Abandon), to = Target(ImportEvent.Abandon) }, cancellationToken: cancellationToken))];
    }

    /// <summary>Records the import, creates its empty partitions and writes <c>ReportImportStarted</c>.</summary>
    public async Task StartAsync(ReportAvailable m, Guid importId, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {CurParserDb.Schema}.imports (import_id, organization_id, data_source_id, billing_period, delivery_id, detected_at, status, files, started_at)
            values (@importId, @OrganizationId, @DataSourceId, @BillingPeriod, @DeliveryId, @DetectedAt, @started, @files, @startedAt)
            """,
            new
            {
                importId, m.OrganizationId, m.DataSourceId, m.BillingPeriod, m.DeliveryId, m.DetectedAt, started = StatusText.Of(ImportLifecycle.Started),
                files = m.ReportKeys.Select(k => k.Key).ToArray(), startedAt,
            },
            transaction);
        await CreatePartitionsAsync(connection, transaction, CurParserDb.Schema, importId);
        await outbox.AddAsync(connection, transaction,
            new ReportImportStarted(m.OrganizationId, m.DataSourceId, m.IdempotencyKey, m.BillingPeriod, m.DeliveryId, importId, startedAt),
            MessageId("import-started", importId.ToString()));
        await transaction.CommitAsync(cancellationToken);
    }

    public static async Task CreatePartitionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, Guid importId)
    {
        foreach (var table in new[] { "line_items", "daily_costs" })
        {
            await connection.ExecuteAsync(
                $"create table {LineItemLoader.PartitionOf(schema, table, importId)} partition of {schema}.{table} for values in ('{importId}')",
                transaction: transaction);
        }
    }

    /// <summary>
    /// Writes the import's daily rollup into its own partition before the swap (nothing reads it until
    /// the import is current): by COPY of what was summed while streaming, merged with the partial sums
    /// written on the way when it outgrew its memory bound; without a streamed rollup, by one SQL pass
    /// over the import's line items.
    /// </summary>
    public async Task WriteRollupAsync(Guid importId, DailyRollup? rollup, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (rollup is null)
        {
            await RollUpInSqlAsync(connection, importId, cancellationToken);
            return;
        }

        await RollupCopy.WriteAsync(connection, CurParserDb.Schema, importId, rollup.Lines(), cancellationToken);
        if (rollup.Spilled)
        {
            await MergePartialRollupAsync(connection, importId, cancellationToken);
        }
    }

    /// <summary>
    /// The rollup, as the database holds it, sums per currency to what was read (its line item counts
    /// to the rows; COPY's own counts checked the line items). Reads the rollup, not the month's line items.
    /// </summary>
    /// <exception cref="ReconciliationException">They differ.</exception>
    public async Task VerifyTotalsAsync(Guid importId, IReadOnlyList<CurrencyTotals> expected, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var loaded = (await connection.QueryAsync<CurrencyTotals>(new CommandDefinition(
            $"""
            select currency, sum(unblended) as unblended, sum(net_unblended) as netunblended, sum(blended) as blended,
                   sum(amortized) as amortized, sum(public_on_demand) as publicondemand, sum(usage_amount) as usageamount, sum(line_items)::bigint as rows
            from {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)} group by currency order by currency collate "C"
            """, cancellationToken: cancellationToken, commandTimeout: 600))).ToList();
        if (!loaded.SequenceEqual(expected))
        {
            throw new ReconciliationException(
                $"Loaded rows do not reconcile with the files: read {JsonSerializer.Serialize(expected, Json)}, loaded {JsonSerializer.Serialize(loaded, Json)}.");
        }
    }

    /// <summary>
    /// The swap, in one transaction under the period's lock: unless a newer delivery is already
    /// current (or another attempt finished this delivery), makes the import (its rollup written
    /// before, <see cref="WriteRollupAsync"/>) current, completes the delivery and writes ReportImported and CostsImported. Returns
    /// the import it replaced (to drop afterwards).
    /// </summary>
    public async Task<(CompleteResult Result, Guid? Replaced)> CompleteAsync(
        ReportAvailable m, Guid importId, LoadResult load, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext(@key))", new { key = $"{CurParserDb.Schema}:period:{m.DataSourceId}:{m.BillingPeriod}" }, transaction);
        if (await IsOlderThanCurrentAsync(connection, transaction, m)
            || !await MoveDeliveryAsync(connection, transaction, m, DeliveryEvent.Complete, releaseLease: true, importId))
        {
            await MoveImportAsync(connection, transaction, importId, ImportEvent.Supersede);
            await SupersedeAndReleaseAsync(connection, transaction, m);
            await transaction.CommitAsync(cancellationToken);
            return (CompleteResult.Superseded, null);
        }

        var now = DateTimeOffset.UtcNow;
        var previous = await connection.QuerySingleOrDefaultAsync<Guid?>(
            $"select import_id from {CurParserDb.Schema}.current_imports where data_source_id = @DataSourceId and billing_period = @BillingPeriod",
            new { m.DataSourceId, m.BillingPeriod }, transaction);
        await connection.ExecuteAsync(
            $"""
            insert into {CurParserDb.Schema}.current_imports (data_source_id, billing_period, import_id, delivery_id, detected_at, made_current_at)
            values (@DataSourceId, @BillingPeriod, @importId, @DeliveryId, @DetectedAt, @now)
            on conflict (data_source_id, billing_period) do update
                set import_id = excluded.import_id, delivery_id = excluded.delivery_id, detected_at = excluded.detected_at, made_current_at = excluded.made_current_at
            """, new { m.DataSourceId, m.BillingPeriod, importId, m.DeliveryId, m.DetectedAt, now }, transaction);
        if (previous is { } replaced)
        {
            await MoveImportAsync(connection, transaction, replaced, ImportEvent.Replace);
        }

        await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.imports set status = @to, rows = @rows, totals = @totals::jsonb, warnings = @warnings::jsonb, is_final = @IsFinal, completed_at = @now
            where import_id = @importId and status = any(@from)
            """,
            new
            {
                importId, now, rows = load.Rows, totals = JsonSerializer.Serialize(load.Totals, Json), warnings = JsonSerializer.Serialize(load.Warnings, Json),
                load.IsFinal, from = Sources(ImportEvent.MakeCurrent), to = Target(ImportEvent.MakeCurrent),
            }, transaction);
        await outbox.AddAsync(connection, transaction,
            new ReportImported(m.OrganizationId, m.DataSourceId, m.IdempotencyKey, m.BillingPeriod, m.DeliveryId, importId, load.Rows,
                m.ReportKeys.Count, load.Totals, load.IsFinal, duration, now),
            MessageId("report-imported", m.IdempotencyKey));
        await outbox.AddAsync(connection, transaction,
            new CostsImported(m.OrganizationId, m.DataSourceId, m.IdempotencyKey, m.BillingPeriod, m.DeliveryId, importId, load.Totals, now),
            MessageId("costs-imported", m.IdempotencyKey));
        await transaction.CommitAsync(cancellationToken);
        return (CompleteResult.MadeCurrent, previous);
    }

    /// <summary>
    /// Records a failure and writes ReportImportFailed: a transient one gives the delivery back for a
    /// retry, a permanent one closes it (a redelivery is then acknowledged). Returns false, recording
    /// nothing, when the import is no longer loading (it became current after all, or a later attempt
    /// abandoned it): its partitions must then stay.
    /// </summary>
    public async Task<bool> FailAsync(ReportAvailable m, Guid importId, ImportFailure failure, string owner)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (!await MoveImportAsync(connection, transaction, importId, ImportEvent.Fail, failure.Reason))
        {
            return false;
        }

        var delivery = failure.Transient ? DeliveryEvent.Retry : DeliveryEvent.Fail;
        await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries set status = @to, lease_owner = null, lease_expires_at = null
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and status = any(@from)
              and (lease_owner = @owner or lease_owner is null)
            """, new { m.DataSourceId, m.DeliveryId, owner, from = Sources(delivery), to = Target(delivery) }, transaction);
        await outbox.AddAsync(connection, transaction,
            new ReportImportFailed(m.OrganizationId, m.DataSourceId, m.IdempotencyKey, m.BillingPeriod, m.DeliveryId, importId, failure.File, failure.Row,
                failure.Reason, failure.Transient, DateTimeOffset.UtcNow),
            failure.Transient ? MessageId("import-failed", $"{importId}") : MessageId("import-failed", m.IdempotencyKey));
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Marks a loading import cancelled by shutdown; false when it is no longer loading (its partitions must then stay).</summary>
    public async Task<bool> CancelAsync(Guid importId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await MoveImportAsync(connection, null, importId, ImportEvent.Cancel);
    }

    /// <summary>Drops an import's partitions (a replaced, superseded, failed or cancelled import).</summary>
    public async Task DropAsync(Guid importId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var table in new[] { "daily_costs", "line_items" })
        {
            await connection.ExecuteAsync($"drop table if exists {LineItemLoader.PartitionOf(CurParserDb.Schema, table, importId)}", commandTimeout: 600);
        }
    }

    private static string[] Sources(DeliveryEvent on) => DeliveryLifecycle.Machine.SourceTexts(on);

    private static string Target(DeliveryEvent on) => DeliveryLifecycle.Machine.TargetText(on);

    private static string[] Sources(ImportEvent on) => ImportLifecycle.Machine.SourceTexts(on);

    private static string Target(ImportEvent on) => ImportLifecycle.Machine.TargetText(on);

    /// <summary>Whether the period's current import comes from a newer delivery (by detection time, then delivery id).</summary>
    private Task<bool> IsOlderThanCurrentAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ReportAvailable m) =>
        connection.ExecuteScalarAsync<bool>(
            $"""
            select exists (select 1 from {CurParserDb.Schema}.current_imports
                where data_source_id = @DataSourceId and billing_period = @BillingPeriod
                  and (detected_at, delivery_id collate "C") > (@DetectedAt, @DeliveryId collate "C"))
            """, new { m.DataSourceId, m.BillingPeriod, m.DetectedAt, m.DeliveryId }, transaction);

    /// <summary>
    /// Moves the delivery on <paramref name="on"/> if the lifecycle allows it from its state; the holder
    /// ending its attempt also gives the lease back. Returns whether the delivery moved.
    /// </summary>
    private async Task<bool> MoveDeliveryAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, ReportAvailable m, DeliveryEvent on, bool releaseLease, Guid? importId = null) =>
        await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries set status = @to, import_id = coalesce(@importId, import_id){(releaseLease ? ", lease_owner = null, lease_expires_at = null" : "")}
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId and status = any(@from)
            """, new { m.DataSourceId, m.DeliveryId, importId, from = Sources(on), to = Target(on) }, transaction) == 1;

    /// <summary>
    /// The holder's swap found a newer delivery current: the delivery is superseded (unless a claim
    /// superseded it already, or another attempt finished it) and the lease is given back in any case.
    /// </summary>
    private Task SupersedeAndReleaseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReportAvailable m) =>
        connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.deliveries set status = case when status = any(@from) then @to else status end, lease_owner = null, lease_expires_at = null
            where data_source_id = @DataSourceId and delivery_id = @DeliveryId
            """, new { m.DataSourceId, m.DeliveryId, from = Sources(DeliveryEvent.Supersede), to = Target(DeliveryEvent.Supersede) }, transaction);

    private async Task<bool> MoveImportAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid importId, ImportEvent on, string? failure = null) =>
        await connection.ExecuteAsync(
            $"""
            update {CurParserDb.Schema}.imports set status = @to, completed_at = now(), failure = coalesce(@failure, failure)
            where import_id = @importId and status = any(@from)
            """, new { importId, failure, from = Sources(on), to = Target(on) }, transaction) == 1;

    /// <summary>
    /// One row per group from the partial sums the streaming rollup wrote each time it reached its
    /// bound (a group may have a row from each); reads the partition's rollup rows, not the line items.
    /// </summary>
    private static Task MergePartialRollupAsync(NpgsqlConnection connection, Guid importId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            with partial as (delete from {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)} returning *)
            insert into {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)} ({RollupCopy.Columns})
            select import_id, day, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency,
                   sum(unblended), sum(net_unblended), sum(blended), sum(amortized), sum(public_on_demand), sum(usage_amount), sum(line_items)::bigint,
                   max(usage_account_name collate "C"), pricing_unit, cost_categories, sum(net_amortized)
            from partial
            group by import_id, day, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency,
                pricing_unit, cost_categories
            """, commandTimeout: 1800, cancellationToken: cancellationToken));

    /// <summary>The rollup's groups and sums; <see cref="DailyRollup"/> computes the same while streaming.</summary>
    private static Task RollUpInSqlAsync(NpgsqlConnection connection, Guid importId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            insert into {LineItemLoader.PartitionOf(CurParserDb.Schema, "daily_costs", importId)} ({RollupCopy.Columns})
            select import_id, (usage_start at time zone 'UTC')::date, usage_account_id, product_code, service_name, region, usage_type,
                   line_item_type, resource_id, tags, currency, sum(unblended), sum(net_unblended), sum(blended), sum(amortized),
                   sum(public_on_demand), sum(usage_amount), count(*), max(usage_account_name collate "C"), pricing_unit, cost_categories, sum(net_amortized)
            from {LineItemLoader.PartitionOf(CurParserDb.Schema, "line_items", importId)}
            group by import_id, 2, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency,
                pricing_unit, cost_categories
            """, commandTimeout: 1800, cancellationToken: cancellationToken));

    /// <summary>The outbox id of a fact: the same kind and key always give the same id.</summary>
    private static Guid MessageId(string kind, string key) => MessageIds.Sha256($"curparser:{kind}:{key}");
}
